package dev.shear.graph;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the prunable structures off the traced dependency graph. Attention is taken in whole KV
 * groups, which vanish by their rows alone (for multi-head attention a KV group is one head).
 */
final class GraphStructures {
    private GraphStructures() {}

    static StructureSet from(DependencyGraph graph) {
        List<PrunableGroup> groups = new ArrayList<>();
        for (NodeGroup g : graph.groups()) {
            Cluster c = g.kind() == GroupKind.ATTENTION ? Cluster.ATTENTION : g.kind() == GroupKind.MLP ? Cluster.MLP : null;
            if (c == null) continue;
            NodeGroup view = c == Cluster.ATTENTION ? g.asKvGroups() : g;
            List<Structure> structures = new ArrayList<>();
            for (int s = 0; s < view.numStructures(); s++) structures.add(structure(graph, view, s));
            groups.add(new PrunableGroup(g.id(), c, g.layer(), structures, g.prunable()));
        }
        return new StructureSet(groups, graph.totalParams());
    }

    /** The base slices of one structure, each with the adapter factor that carries it; the factors' own cuts are not listed. */
    private static Structure structure(DependencyGraph graph, NodeGroup g, int s) {
        Removal r = g.removal(s);
        List<Cut> zeroed = new ArrayList<>(), dependent = new ArrayList<>();
        for (Cut c : r.zero()) if (!c.isLora()) zeroed.add(c.withLora(graph.loraFactor(c.param(), c.axis())));
        for (Cut c : r.free()) if (!c.isLora()) dependent.add(c.withLora(graph.loraFactor(c.param(), c.axis())));
        return new Structure(s, zeroed, dependent, g.paramsPerStructure());
    }
}
