package dev.shear.prune;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a target fraction of total parameters into per-cluster structure counts (method.md 4.5,
 * A8): one ratio r for both clusters over the prunable structures, then the MLP count is adjusted
 * so the removed parameters land as close to the target as the granularity allows.
 */
public final class Budget {
    private Budget() {}

    public record Plan(Map<Cluster, Integer> counts, long removedParams, double achievedFraction, double targetFraction) {}

    public static Plan plan(StructureSet set, double target) {
        if (target <= 0 || target >= 1) throw new IllegalArgumentException("target ratio " + target + " must be in (0, 1)");
        Map<Cluster, List<StructureRef>> pools = new EnumMap<>(Cluster.class);
        long prunableParams = 0;
        for (Cluster c : Cluster.values()) {
            pools.put(c, set.prunable(c));
            for (StructureRef r : pools.get(c)) prunableParams += set.get(r).params();
        }
        double want = target * set.totalParams();
        if (want > prunableParams)
            throw new IllegalArgumentException(String.format("target %.1f%% of %d parameters exceeds the %d prunable ones (%.1f%%)",
                    100 * target, set.totalParams(), prunableParams, 100.0 * prunableParams / set.totalParams()));
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

    private static long perStructure(StructureSet set, List<StructureRef> pool) {
        return pool.isEmpty() ? 0 : set.get(pool.get(0)).params();
    }
}
