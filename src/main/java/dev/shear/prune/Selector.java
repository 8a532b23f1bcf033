package dev.shear.prune;

import dev.shear.graph.StructureRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Picks the k lowest-scored structures of a pool under a ranking rule. */
public final class Selector {
    private Selector() {}

    public static List<StructureRef> select(List<StructureRef> pool, double[] scores, int k, Saliency.Ranking ranking) {
        if (k <= 0) return List.of();
        if (k > pool.size()) throw new IllegalArgumentException("cannot select " + k + " of " + pool.size() + " structures");
        double[] s = ranking == Saliency.Ranking.STANDARDIZED ? standardize(pool, scores) : scores;
        if (ranking == Saliency.Ranking.PER_LAYER) return perGroup(pool, s, k);
        return lowest(indices(pool.size()), s, k).stream().map(pool::get).toList();
    }

    /** The want.get(g) lowest-scored structures of each group g of the pool (per-group counts from {@link Budget#bySensitivity}). */
    public static List<StructureRef> byQuota(List<StructureRef> pool, double[] scores, Map<Integer, Integer> want) {
        List<StructureRef> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Integer>> e : groups(pool).entrySet()) {
            int k = want.getOrDefault(e.getKey(), 0);
            if (k > e.getValue().size()) throw new IllegalArgumentException("cannot select " + k + " of group " + e.getKey() + "'s " + e.getValue().size() + " structures");
            for (int i : lowest(e.getValue(), scores, k)) out.add(pool.get(i));
        }
        return out;
    }

    private static List<Integer> lowest(List<Integer> idx, double[] s, int k) {
        List<Integer> sorted = new ArrayList<>(idx);
        sorted.sort(Comparator.<Integer>comparingDouble(i -> s[i]).thenComparing(i -> i));
        return sorted.subList(0, k);
    }

    private static List<Integer> indices(int n) {
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(i);
        return out;
    }

    /** Same fraction from every group; the remainder goes to the groups whose next candidate scores lowest. */
    private static List<StructureRef> perGroup(List<StructureRef> pool, double[] s, int k) {
        Map<Integer, List<Integer>> byGroup = groups(pool);
        double ratio = (double) k / pool.size();
        List<StructureRef> out = new ArrayList<>();
        List<int[]> spare = new ArrayList<>();                       // {group, next index in sorted order}
        Map<Integer, List<Integer>> sorted = new HashMap<>();
        for (Map.Entry<Integer, List<Integer>> e : byGroup.entrySet()) {
            List<Integer> order = lowest(e.getValue(), s, e.getValue().size());
            sorted.put(e.getKey(), order);
            int take = (int) Math.floor(ratio * order.size());
            for (int i = 0; i < take; i++) out.add(pool.get(order.get(i)));
            if (take < order.size()) spare.add(new int[] {e.getKey(), take});
        }
        while (out.size() < k) {
            spare.sort(Comparator.comparingDouble(g -> s[sorted.get(g[0]).get(g[1])]));
            int[] g = spare.get(0);
            out.add(pool.get(sorted.get(g[0]).get(g[1])));
            if (++g[1] >= sorted.get(g[0]).size()) spare.remove(0);
        }
        return out;
    }

    /** Scores z-normalised within each node group (mean 0, unbiased standard deviation 1). */
    public static double[] standardized(List<StructureRef> pool, double[] scores) { return standardize(pool, scores); }

    private static double[] standardize(List<StructureRef> pool, double[] scores) {
        double[] out = new double[scores.length];
        for (List<Integer> members : groups(pool).values()) {
            double mean = 0, var = 0;
            for (int i : members) mean += scores[i];
            mean /= members.size();
            for (int i : members) var += (scores[i] - mean) * (scores[i] - mean);
            double std = Math.sqrt(var / Math.max(1, members.size() - 1)) + 1e-12;
            for (int i : members) out[i] = (scores[i] - mean) / std;
        }
        return out;
    }

    private static Map<Integer, List<Integer>> groups(List<StructureRef> pool) {
        Map<Integer, List<Integer>> m = new java.util.TreeMap<>();
        for (int i = 0; i < pool.size(); i++) m.computeIfAbsent(pool.get(i).group(), g -> new ArrayList<>()).add(i);
        return m;
    }
}
