package dev.shear.prune;

import dev.shear.graph.Cluster;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a target fraction of total parameters into per-cluster structure counts (docs/method.md, "Budget and allocation",
 * A8): one ratio r for both clusters over the prunable structures, then the MLP count is adjusted
 * so the removed parameters land as close to the target as the granularity allows.
 */
public final class Budget {
    private Budget() {}

    /** @param quotas structures to remove per node group (by index), or empty when only the cluster counts are fixed */
    public record Plan(Map<Cluster, Integer> counts, long removedParams, double achievedFraction, double targetFraction,
                       Map<Integer, Integer> quotas) {
        public Plan {
            counts = Map.copyOf(counts);
            quotas = Map.copyOf(quotas);
        }

        public Plan(Map<Cluster, Integer> counts, long removedParams, double achievedFraction, double targetFraction) {
            this(counts, removedParams, achievedFraction, targetFraction, Map.of());
        }
    }

    public static Plan plan(StructureSet set, double target) {
        if (target <= 0 || target >= 1) throw new IllegalArgumentException("target ratio " + target + " must be in (0, 1)");
        Map<Cluster, List<StructureRef>> pools = new EnumMap<>(Cluster.class);
        long prunableParams = 0;
        for (Cluster c : Cluster.values()) {
            pools.put(c, set.prunable(c));
            for (StructureRef r : pools.get(c)) prunableParams += set.get(r).params();
        }
        double want = wanted(set, target, prunableParams);
        double r = want / prunableParams;
        Map<Cluster, Integer> counts = new EnumMap<>(Cluster.class);
        long attnParams = perStructure(set, pools.get(Cluster.ATTENTION));
        long mlpParams = perStructure(set, pools.get(Cluster.MLP));
        int attn = (int) Math.round(r * pools.get(Cluster.ATTENTION).size());
        long rest = Math.round(want - (double) attn * attnParams);
        int mlp = mlpParams == 0 ? 0 : (int) Math.max(0, Math.min(pools.get(Cluster.MLP).size(), Math.round((double) rest / mlpParams)));
        counts.put(Cluster.ATTENTION, attn);
        counts.put(Cluster.MLP, mlp);
        long removed = attn * attnParams + mlp * mlpParams;
        return new Plan(counts, removed, (double) removed / set.totalParams(), target);
    }

    /**
     * One ranking over both clusters (FLAP's adaptive structure search): the pool's structures sorted
     * by score, lowest first, and the prefix whose parameters come closest to the target removed.
     *
     * @param scores one per pool entry, comparable across layers and clusters (standardised per layer)
     */
    public static Plan joint(StructureSet set, double target, List<StructureRef> pool, double[] scores) {
        if (target <= 0 || target >= 1) throw new IllegalArgumentException("target ratio " + target + " must be in (0, 1)");
        long prunable = 0;
        for (StructureRef r : pool) prunable += set.get(r).params();
        double want = wanted(set, target, prunable);
        Integer[] order = new Integer[pool.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, java.util.Comparator.<Integer>comparingDouble(i -> scores[i]).thenComparing(i -> i));
        long removed = 0;
        int take = 0;
        while (take < order.length) {
            long next = removed + set.get(pool.get(order[take])).params();
            if (Math.abs(next - want) > Math.abs(removed - want)) break;
            removed = next;
            take++;
        }
        Map<Cluster, Integer> counts = new EnumMap<>(Cluster.class);
        Map<Integer, Integer> quotas = new java.util.TreeMap<>();
        for (int i = 0; i < take; i++) {
            StructureRef r = pool.get(order[i]);
            counts.merge(set.group(r).cluster(), 1, Integer::sum);
            quotas.merge(r.group(), 1, Integer::sum);
        }
        for (int g = 0; g < set.groups().size(); g++) if (set.groups().get(g).prunable()) quotas.putIfAbsent(g, 0);
        return new Plan(counts, removed, (double) removed / set.totalParams(), target, quotas);
    }

    private static double wanted(StructureSet set, double target, long prunableParams) {
        double want = target * set.totalParams();
        if (want > prunableParams)
            throw new IllegalArgumentException(String.format("target %.1f%% of %d parameters exceeds the %d prunable ones (%.1f%%)",
                    100 * target, set.totalParams(), prunableParams, 100.0 * prunableParams / set.totalParams()));
        return want;
    }

    /**
     * KDA-informed allocation. The clusters' counts are those of {@link #plan}; within each cluster,
     * a group's cost of losing a fraction r of its structures is read off its KDA curve,
     * c(r) = ln(ppl(r) / ppl_dense), linear between the measured ratios and past the last one at the
     * curve's steepest slope so far, and structures are taken one at a time from the group whose next
     * one costs least, until the cluster's count is reached. No group loses more than KDA's largest
     * ratio unless the count needs it (the curves are not measured there), and every group keeps
     * one structure. Costs are compared within a cluster only: KDA prunes one group at a time, and
     * across clusters its costs did not add up (every layer's attention looked cheap alone; removing
     * it from all layers together was not; docs/results.md).
     */
    public static Plan bySensitivity(StructureSet set, double target, KnowledgeDistribution.Result kda) {
        Plan uniform = plan(set, target);
        Map<Integer, KnowledgeDistribution.Row> rows = new java.util.HashMap<>();
        for (KnowledgeDistribution.Row r : kda.rows()) rows.put(r.group(), r);
        double measured = kda.ratios().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        Map<Cluster, List<Integer>> members = members(set);
        for (List<Integer> gs : members.values())
            for (int g : gs) if (!rows.containsKey(g)) throw new IllegalArgumentException("KDA has no row for prunable group " + set.groups().get(g).id());
        Map<Cluster, Integer> counts = new EnumMap<>(uniform.counts());
        spill(set, members, capacity(set, members), counts);
        Map<Integer, Integer> taken = new java.util.TreeMap<>();
        long removed = 0;
        for (Cluster c : Cluster.values()) {
            List<Integer> groups = members.get(c);
            int want = counts.getOrDefault(c, 0);
            if (!groups.isEmpty()) removed += want * set.groups().get(groups.get(0)).paramsPerStructure();
            int got = 0;
            for (boolean extrapolate : new boolean[] {false, true})
                while (got < want) {
                    int best = -1;
                    double bestCost = Double.POSITIVE_INFINITY;
                    for (int g : groups) {
                        int n = set.groups().get(g).structures().size(), k = taken.getOrDefault(g, 0);
                        if (k >= (extrapolate ? n - 1 : Math.min(n - 1, (int) Math.floor(measured * n)))) continue;
                        double marginal = cost(rows.get(g), kda.ratios(), kda.basePpl(), n, k + 1) - cost(rows.get(g), kda.ratios(), kda.basePpl(), n, k);
                        if (marginal < bestCost) { bestCost = marginal; best = g; }
                    }
                    if (best < 0) break;
                    taken.merge(best, 1, Integer::sum);
                    got++;
                }
        }
        return new Plan(counts, removed, (double) removed / set.totalParams(), target, taken);
    }

    /**
     * Fails as {@link #bySensitivity} would when its counts cannot be held with one structure kept per
     * group: checked on the structures before KDA runs, so a hopeless target stops before the analysis.
     */
    public static void checkSensitivityCapacity(StructureSet set, double target) {
        Map<Cluster, List<Integer>> members = members(set);
        spill(set, members, capacity(set, members), new EnumMap<>(plan(set, target).counts()));
    }

    /** Per cluster, the prunable groups with a structure to spare (KDA allocation keeps one per group). */
    private static Map<Cluster, List<Integer>> members(StructureSet set) {
        Map<Cluster, List<Integer>> members = new EnumMap<>(Cluster.class);
        for (Cluster c : Cluster.values()) members.put(c, new java.util.ArrayList<>());
        for (int g = 0; g < set.groups().size(); g++) {
            PrunableGroup pg = set.groups().get(g);
            if (pg.prunable() && pg.structures().size() >= 2) members.get(pg.cluster()).add(g);
        }
        return members;
    }

    private static Map<Cluster, Integer> capacity(StructureSet set, Map<Cluster, List<Integer>> members) {
        Map<Cluster, Integer> capacity = new EnumMap<>(Cluster.class);
        for (Cluster c : Cluster.values()) {
            int n = 0;
            for (int g : members.get(c)) n += set.groups().get(g).structures().size() - 1;
            capacity.put(c, n);
        }
        return capacity;
    }

    /** What a user can do instead: uniform counts may empty a layer's attention or MLP, so they reach further. */
    private static final String REMEDY = ": use a smaller --ratio or --allocation uniform";

    /**
     * With one structure kept per group, a cluster may not hold its uniform count (attention at 50%
     * on a model with few KV groups); its excess moves, in parameters, to the other cluster.
     */
    private static void spill(StructureSet set, Map<Cluster, List<Integer>> members, Map<Cluster, Integer> capacity, Map<Cluster, Integer> counts) {
        for (Cluster c : Cluster.values()) {
            int excess = counts.getOrDefault(c, 0) - capacity.get(c);
            if (excess <= 0) continue;
            Cluster o = c == Cluster.ATTENTION ? Cluster.MLP : Cluster.ATTENTION;
            if (members.get(o).isEmpty()) throw new IllegalArgumentException("the target needs more " + c + " structures than KDA's allocation can take with one kept per group" + REMEDY);
            long params = excess * paramsPerStructure(set, c);
            int more = (int) Math.round((double) params / set.groups().get(members.get(o).get(0)).paramsPerStructure());
            if (counts.getOrDefault(o, 0) + more > capacity.get(o))
                throw new IllegalArgumentException("the target needs more structures than KDA's allocation can take with one kept per group" + REMEDY);
            counts.put(c, capacity.get(c));
            counts.merge(o, more, Integer::sum);
        }
    }

    /**
     * A structure's parameters in a cluster, read from any prunable group: on a multi-query model no
     * attention group has a second structure, so none is a member that could tell.
     */
    private static long paramsPerStructure(StructureSet set, Cluster c) {
        for (PrunableGroup g : set.groups()) if (g.prunable() && g.cluster() == c) return g.paramsPerStructure();
        throw new IllegalArgumentException("no prunable " + c + " group");
    }

    /**
     * The cost of removing k of a group's n structures: the piecewise-linear KDA curve through (0, 0),
     * extrapolated at its steepest slope, never decreasing. KDA removed floor(ratio · n) structures at
     * each ratio, so that is where each point sits.
     */
    static double cost(KnowledgeDistribution.Row row, List<Double> ratios, double basePpl, int n, int k) {
        double r = (double) k / n, prevR = 0, prevC = 0, slope = 0;
        for (int i = 0; i < ratios.size(); i++) {
            double ri = Math.floor(ratios.get(i) * n) / n;
            if (ri <= prevR) continue;
            double ci = Math.max(prevC, Math.log(row.ppl().get(i) / basePpl));
            if (r <= ri) return prevC + (ci - prevC) * (r - prevR) / (ri - prevR);
            slope = Math.max(slope, (ci - prevC) / (ri - prevR));
            prevR = ri;
            prevC = ci;
        }
        return prevC + slope * (r - prevR);
    }

    private static long perStructure(StructureSet set, List<StructureRef> pool) {
        return pool.isEmpty() ? 0 : set.get(pool.get(0)).params();
    }
}
