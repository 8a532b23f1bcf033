package dev.shear.prune;

import dev.shear.graph.DependencyGraph;
import dev.shear.graph.GroupKind;
import dev.shear.graph.NodeGroup;
import dev.shear.graph.Removal;
import dev.shear.graph.Slice;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the prunable structures off the traced dependency graph. Attention is taken in whole KV
 * groups, which vanish by their rows alone (for multi-head attention a KV group is one head).
 */
public final class GraphStructures {
    private GraphStructures() {}

    public static StructureSet from(DependencyGraph graph) {
        List<PrunableGroup> groups = new ArrayList<>();
        for (NodeGroup g : graph.groups()) {
            Cluster c = g.kind() == GroupKind.ATTENTION ? Cluster.ATTENTION : g.kind() == GroupKind.MLP ? Cluster.MLP : null;
            if (c == null) continue;
            NodeGroup view = c == Cluster.ATTENTION ? g.asKvGroups() : g;
            List<Structure> structures = new ArrayList<>();
            for (int s = 0; s < view.numStructures(); s++) structures.add(structure(view, s));
            groups.add(new PrunableGroup(g.id(), c, g.layer(), structures, g.prunable()));
        }
        return new StructureSet(groups, graph.totalParams());
    }

    private static Structure structure(NodeGroup g, int s) {
        Removal r = g.removal(s);
        Map<String, String> loraOf = new HashMap<>();
        for (dev.shear.graph.Cut c : r.zero())
            if (c.isLora()) loraOf.put(baseOf(c.param()) + "#" + c.axis(), c.param());
        List<Cut> zeroed = new ArrayList<>(), dependent = new ArrayList<>();
        for (dev.shear.graph.Cut c : r.zero()) if (!c.isLora()) zeroed.add(convert(c, loraOf));
        for (dev.shear.graph.Cut c : r.free()) if (!c.isLora()) dependent.add(convert(c, Map.of()));
        return new Structure(s, zeroed, dependent, g.paramsPerStructure());
    }

    private static Cut convert(dev.shear.graph.Cut c, Map<String, String> loraOf) {
        return new Cut(c.param(), c.axis() == Slice.Axis.IN, c.indices(), loraOf.get(c.param() + "#" + c.axis()));
    }

    /** model.x.q_proj.lora_B.weight → model.x.q_proj.weight */
    private static String baseOf(String loraParam) {
        return loraParam.replace(".lora_A.weight", ".weight").replace(".lora_B.weight", ".weight");
    }
}
