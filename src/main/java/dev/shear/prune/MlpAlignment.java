package dev.shear.prune;

import dev.shear.graph.Cluster;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.LayerWidths;
import dev.shear.model.WidthAlignment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Rounds each layer's kept MLP channels to a multiple ({@code --align}) by changing which structures
 * are removed: rounding down removes the lowest-scoring kept channels too; rounding up keeps the
 * highest-scoring of the removed ones again (for one-shot methods with their original weights; after
 * LHSPG they are already zero, so they come back as zero channels). Past a layer's original width
 * the remainder is padded with zero channels after compaction. KDA-protected (unprunable) groups
 * only ever round up.
 */
final class MlpAlignment {
    private MlpAlignment() {}

    /**
     * @param removed    the structures to remove after alignment
     * @param padTo      per layer, the width to pad to after compaction (null: no padding needed)
     * @param report     what changed and what it cost
     */
    record Outcome(List<StructureRef> removed, List<Integer> padTo, Report report) {}

    /** @param paramsAdded parameters the rounding keeps beyond the budget (negative: removes more) */
    public record Report(String alignment, List<String> changes, long paramsAdded) {
        public Report {
            changes = List.copyOf(changes);
        }
    }

    /** @param score per structure of one group, lower means safer to remove */
    static Outcome apply(StructureSet set, List<StructureRef> removed, WidthAlignment a, int numLayers,
                         Function<List<StructureRef>, double[]> score) {
        Set<StructureRef> out = new HashSet<>(removed);
        Integer[] pad = new Integer[numLayers];
        List<String> changes = new ArrayList<>();
        long added = 0;
        for (int g = 0; g < set.groups().size(); g++) {
            PrunableGroup pg = set.groups().get(g);
            if (pg.cluster() != Cluster.MLP) continue;
            List<StructureRef> all = new ArrayList<>(), gone = new ArrayList<>(), kept = new ArrayList<>();
            for (int s = 0; s < pg.structures().size(); s++) {
                StructureRef r = new StructureRef(g, s);
                all.add(r);
                (out.contains(r) ? gone : kept).add(r);
            }
            int target = a.round(kept.size());
            if (target < kept.size() && !pg.prunable()) target = new WidthAlignment(a.multiple(), WidthAlignment.Rounding.UP).round(kept.size());
            if (target == kept.size()) continue;
            double[] s = score.apply(all);
            if (target < kept.size()) out.addAll(ranked(kept, s, true).subList(0, kept.size() - target));
            else out.removeAll(ranked(gone, s, false).subList(0, Math.min(gone.size(), target - kept.size())));
            if (target > all.size()) pad[pg.layer()] = target;
            added += (long) (target - kept.size()) * pg.paramsPerStructure();
            changes.add("layer " + pg.layer() + ": MLP " + kept.size() + " -> " + target + (target < kept.size() ? " (lowest-scoring dropped)"
                    : target > all.size() ? " (" + (target - all.size()) + " zero channels past the original " + all.size() + ")" : " (highest-scoring kept)"));
        }
        List<StructureRef> sorted = new ArrayList<>(out);
        sorted.sort(null);
        return new Outcome(sorted, java.util.Arrays.asList(pad), new Report(a.toString(), changes, added));
    }

    /** Structures of {@code refs} by score, lowest first ({@code ascending}) or highest first. */
    private static List<StructureRef> ranked(List<StructureRef> refs, double[] score, boolean ascending) {
        Comparator<StructureRef> by = Comparator.comparingDouble(r -> score[r.structure()]);
        List<StructureRef> out = new ArrayList<>(refs);
        out.sort((ascending ? by : by.reversed()).thenComparing(Comparator.naturalOrder()));
        return out;
    }

    /** The compact model's widths with every padded layer's MLP widened. */
    static List<LayerWidths> padded(List<LayerWidths> compact, List<Integer> padTo) {
        List<LayerWidths> out = new ArrayList<>();
        for (int i = 0; i < compact.size(); i++)
            out.add(padTo.get(i) == null ? compact.get(i) : compact.get(i).withIntermediateSize(padTo.get(i)));
        return out;
    }

    static boolean needsPadding(List<Integer> padTo) { return padTo.stream().anyMatch(java.util.Objects::nonNull); }
}
