package dev.shear.graph;

import java.util.ArrayList;
import java.util.List;

/** Every node group of a model with its structures, and the model's total parameter count. */
public record StructureSet(List<PrunableGroup> groups, long totalParams) {
    public StructureSet {
        groups = List.copyOf(groups);
    }

    public Structure get(StructureRef r) { return groups.get(r.group()).structures().get(r.structure()); }

    public PrunableGroup group(StructureRef r) { return groups.get(r.group()); }

    /** All structures of prunable groups in one cluster. */
    public List<StructureRef> prunable(Cluster c) {
        List<StructureRef> out = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            PrunableGroup pg = groups.get(g);
            if (!pg.prunable() || pg.cluster() != c) continue;
            for (int s = 0; s < pg.structures().size(); s++) out.add(new StructureRef(g, s));
        }
        return out;
    }

    public List<StructureRef> all() {
        List<StructureRef> out = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++)
            for (int s = 0; s < groups.get(g).structures().size(); s++) out.add(new StructureRef(g, s));
        return out;
    }

    public StructureSet withUnprunable(java.util.Set<Integer> groupIndices) {
        List<PrunableGroup> gs = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) gs.add(groupIndices.contains(g) ? groups.get(g).withPrunable(false) : groups.get(g));
        return new StructureSet(gs, totalParams);
    }
}
