package dev.shear.graph;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The node groups of a graph as JSON, a text table, or a Graphviz drawing of the op graph. */
public final class GraphReport {
    private final DependencyGraph graph;

    GraphReport(DependencyGraph graph) { this.graph = graph; }

    /** Plain maps and lists, in the JSON layout. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total_params", graph.totalParams());
        m.put("ops", graph.ops().size());
        List<Object> groups = new ArrayList<>();
        for (NodeGroup g : graph.groups()) groups.add(group(g));
        m.put("groups", groups);
        return m;
    }

    private static Map<String, Object> group(NodeGroup g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", g.id());
        m.put("kind", g.kind().name().toLowerCase());
        m.put("layer", g.layer());
        m.put("prunable", g.prunable());
        if (!g.prunable()) m.put("reasons", g.reasons());
        m.put("structures", g.numStructures());
        m.put("params_per_structure", g.paramsPerStructure());
        m.put("lora_params_per_structure", g.loraParamsPerStructure());
        m.put("row_zero_invariant", g.rowZeroInvariant());
        m.put("members", members(g.members()));
        g.shared().ifPresent(kv -> {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("structures", kv.count());
            s.put("users_per_structure", kv.usersPerStructure());
            s.put("params_per_structure", kv.paramsPerStructure());
            s.put("lora_params_per_structure", kv.loraParamsPerStructure());
            s.put("zero_invariant_with_users", g.sharedZeroInvariant());
            s.put("members", members(kv.members()));
            m.put("shared", s);
        });
        return m;
    }

    private static List<Object> members(List<Slice> slices) {
        List<Object> out = new ArrayList<>();
        for (Slice s : slices) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("param", s.param());
            m.put("axis", s.axis().name().toLowerCase());
            m.put("role", s.role().name().toLowerCase());
            m.put("per_structure", s.perStructure());
            out.add(m);
        }
        return out;
    }

    public String toJson() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("graph report: " + e.getOriginalMessage(), e);
        }
    }

    /** One line per group: id, layer, kind, structures (and shared kv heads), params per structure, prunable. */
    public String table() {
        int w = "group".length();
        for (NodeGroup g : graph.groups()) w = Math.max(w, g.id().length());
        String fmt = "%-" + w + "s  %5s  %-9s  %12s  %18s  %s%n";
        StringBuilder sb = new StringBuilder(String.format(fmt, "group", "layer", "kind", "structures", "params/structure", "prunable"));
        for (NodeGroup g : graph.groups()) {
            String structures = String.valueOf(g.numStructures());
            String params = String.format("%,d", g.paramsPerStructure());
            if (g.shared().isPresent()) {
                structures += " (" + g.shared().get().count() + " kv)";
                params += " (+" + String.format("%,d", g.shared().get().paramsPerStructure()) + ")";
            }
            String prunable = g.prunable() ? "yes" : "no: " + g.reasons().get(0);
            sb.append(String.format(fmt, g.id(), g.layer() < 0 ? "-" : String.valueOf(g.layer()), g.kind().name().toLowerCase(),
                    structures, params, prunable));
        }
        sb.append(String.format("total parameters %,d in %d groups (%d prunable)%n", graph.totalParams(), graph.groups().size(),
                graph.prunableGroups().size()));
        return sb.toString();
    }

    /** Graphviz: ops as boxes coloured by the node group of their output, tensors as edges labelled with shapes. */
    public String toDot() { return new DotWriter(graph).write(); }
}
