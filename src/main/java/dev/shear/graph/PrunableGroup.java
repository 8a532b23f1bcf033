package dev.shear.graph;

import java.util.List;

/** A node group of one layer (its attention or its MLP) and the structures it can lose. */
public record PrunableGroup(String id, Cluster cluster, int layer, List<Structure> structures, boolean prunable) {
    public PrunableGroup {
        structures = List.copyOf(structures);
    }

    public PrunableGroup withPrunable(boolean p) { return new PrunableGroup(id, cluster, layer, structures, p); }

    public long paramsPerStructure() { return structures.isEmpty() ? 0 : structures.get(0).params(); }
}
