package dev.shear.graph;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Draws the op graph for Graphviz; each node group gets one colour, unprunable groups are grey. */
final class DotWriter {
    private static final String[] PALETTE = {
        "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#bc80bd", "#ccebc5", "#ffed6f"};
    private static final String GREY = "#e0e0e0";
    private static final String LORA = "#fff7d6";

    private final DependencyGraph graph;
    private final Map<String, String> colour = new HashMap<>();

    DotWriter(DependencyGraph graph) {
        this.graph = graph;
        int i = 0;
        for (NodeGroup g : graph.groups()) {
            if (g.kind() == GroupKind.LORA_A) colour.put(g.id(), LORA);
            else colour.put(g.id(), g.prunable() ? PALETTE[i++ % PALETTE.length] : GREY);
        }
    }

    String write() {
        StringBuilder sb = new StringBuilder("digraph shear {\n  rankdir=TB;\n  node [shape=box, style=filled, fontname=\"Helvetica\", fontsize=10];\n");
        sb.append("  edge [fontname=\"Helvetica\", fontsize=8];\n");
        for (OpNode op : graph.ops()) sb.append(node(op));
        for (OpNode op : graph.ops()) {
            for (long id : op.inputs()) {
                TensorInfo t = graph.tensor(id);
                if (t.isParam()) continue;
                String from = t.producer() >= 0 ? "op" + t.producer() : "in" + id;
                if (t.producer() < 0) sb.append("  in").append(id).append(" [shape=ellipse, fillcolor=white, label=\"input ")
                        .append(Arrays.toString(t.shape())).append("\"];\n");
                sb.append("  ").append(from).append(" -> op").append(op.index()).append(" [label=\"")
                        .append(Arrays.toString(t.shape())).append("\"];\n");
            }
        }
        sb.append("  logits [shape=ellipse, fillcolor=white, label=\"logits\"];\n");
        sb.append("  op").append(graph.tensor(graph.output()).producer()).append(" -> logits;\n");
        sb.append(legend());
        return sb.append("}\n").toString();
    }

    private String node(OpNode op) {
        StringBuilder label = new StringBuilder(op.kind());
        for (long id : op.inputs()) {
            TensorInfo t = graph.tensor(id);
            if (t.isParam()) label.append("\\n").append(t.param());
        }
        String group = graph.groupOfTensor(op.output());
        if (group != null) label.append("\\n[").append(group).append(']');
        return "  op" + op.index() + " [label=\"" + label + "\", fillcolor=\"" + colour.getOrDefault(group, "white") + "\"];\n";
    }

    private String legend() {
        StringBuilder sb = new StringBuilder("  subgraph cluster_legend {\n    label=\"node groups\";\n");
        List<NodeGroup> groups = graph.groups();
        for (int i = 0; i < groups.size(); i++) {
            NodeGroup g = groups.get(i);
            sb.append("    legend").append(i).append(" [label=\"").append(g.id()).append(" x").append(g.numStructures())
                    .append(g.prunable() ? "" : " (unprunable)").append("\", fillcolor=\"").append(colour.get(g.id())).append("\"];\n");
        }
        return sb.append("  }\n").toString();
    }
}
