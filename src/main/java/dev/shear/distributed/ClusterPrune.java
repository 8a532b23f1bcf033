package dev.shear.distributed;

import dev.shear.data.TokenBatch;
import dev.shear.engine.Progress;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraConfig;
import dev.shear.prune.Calibration;
import dev.shear.prune.KnowledgeDistribution;
import dev.shear.prune.PruneRun;
import dev.shear.prune.PruneSettings;
import dev.shear.prune.PruneTarget;
import dev.shear.prune.ScoringContext;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of a pruning run a cluster does on its copies of the base model, with prune's own code:
 * KDA as one task per node group (plus one for the base perplexity), and the one-shot criteria's
 * calibration statistics summed over shards of the batches.
 */
public final class ClusterPrune implements PruneRun.Offload {
    private final Shards shards;
    private final ModelRef model;
    private final ValidationProbe probe;
    private final Progress progress;

    /**
     * @param model the file the run loaded, before anything changed it
     * @param probe the run's KDA probe
     */
    public ClusterPrune(Shards shards, ModelRef model, ValidationProbe probe, Progress progress) {
        this.shards = shards;
        this.model = model;
        this.probe = probe;
        this.progress = progress;
    }

    /** One KDA probe: the group's curve, or the base perplexity for group -1. */
    record Probe(ModelRef ref, LoraConfig lora, int group, String id, List<Double> ratios, ValidationProbe probe) implements Serializable {}

    @Override public KnowledgeDistribution.Result kda(StructureSet set, PruneSettings s) {
        long t0 = System.nanoTime();
        List<Probe> tasks = new ArrayList<>();
        tasks.add(new Probe(model, s.training().lora(), -1, "base", List.copyOf(s.kda().ratios()), probe));
        for (int g = 0; g < set.groups().size(); g++) {
            PrunableGroup pg = set.groups().get(g);
            if (pg.prunable()) tasks.add(new Probe(model, s.training().lora(), g, pg.id(), List.copyOf(s.kda().ratios()), probe));
        }
        List<ArrayList<Double>> out = shards.map("kda", tasks, ClusterPrune::probe, progress);
        Map<Integer, List<Double>> curves = new LinkedHashMap<>();
        for (int i = 1; i < tasks.size(); i++) curves.put(tasks.get(i).group(), out.get(i));
        return KnowledgeDistribution.result(set, out.get(0).get(0), s.kda().ratios(), s.kda().gammaU(), curves, (System.nanoTime() - t0) / 1e9);
    }

    /** Traces its copy with the run's adapters (the structures are the driver's: same model, same trace), probes with them bypassed, removes them. */
    private static ArrayList<Double> probe(Probe p) {
        try (Models.Lease lm = Models.lease(p.ref())) {
            PruneTarget t = PruneTarget.trace(lm.model(), p.lora());
            try {
                if (p.group() < 0) return new ArrayList<>(List.of(t.adapters().bypassed(() -> p.probe().perplexity(lm.model()))));
                String id = t.structures().groups().get(p.group()).id();
                if (!id.equals(p.id()))
                    throw new IllegalStateException("kda: node group " + p.group() + " is " + id + " on this executor, " + p.id() + " on the driver");
                return new ArrayList<>(t.adapters().bypassed(() -> KnowledgeDistribution.curve(lm.model(),
                        new ScoringContext(t.structures(), lm.model(), null, null), p.group(), p.ratios(), p.probe(), Progress.NONE)));
            } finally {
                t.adapters().discard();
            }
        }
    }

    /** Calibration batches for one shard. */
    record Batches(ModelRef ref, ArrayList<TokenBatch> batches, boolean gradients) implements Serializable {}

    @Override public Calibration calibrate(List<TokenBatch> batches, boolean withGradients) {
        if (batches.isEmpty()) throw new IllegalArgumentException("calibration: no batches to collect statistics from");
        int size = Math.max(1, (batches.size() + shards.parallelism() - 1) / shards.parallelism());
        List<Batches> pieces = new ArrayList<>();
        for (List<TokenBatch> chunk : ClusterEval.chunks(batches, size)) pieces.add(new Batches(model, new ArrayList<>(chunk), withGradients));
        Calibration.Sums sum = null;
        for (Calibration.Sums s : shards.map("calibration", pieces, ClusterPrune::sums, progress)) sum = sum == null ? s : sum.plus(s);
        return Calibration.of(sum);
    }

    private static Calibration.Sums sums(Batches b) {
        try (Models.Lease lm = Models.lease(b.ref())) {
            return b.gradients() ? Models.exclusive(() -> Calibration.collect(lm.model(), b.batches(), true).sums())
                    : Calibration.collect(lm.model(), b.batches(), false).sums();
        }
    }
}
