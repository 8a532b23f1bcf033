package dev.shear.prune;

import dev.shear.data.BatchSource;
import dev.shear.data.TokenBatch;
import dev.shear.engine.Progress;
import dev.shear.graph.Cluster;
import dev.shear.graph.Cut;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.ModelCost;
import dev.shear.model.WidthPadding;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.Checkpointer;
import dev.shear.train.LrSchedule;
import dev.shear.train.TrainingLoop;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs one method end to end: KDA, selection or LHSPG, LoRA merge, compaction. */
public final class PruneRun {
    private PruneRun() {}

    /**
     * @param cost      parameters, MACs per token at the model's context and f32 weight memory, before and after
     * @param alignment what {@code --align} changed and its parameter cost; null without alignment
     */
    public record Result(String method, String allocation, double targetRatio, double achievedRatio, long paramsBefore, long paramsAfter,
                         Budget.Plan plan, List<LayerWidths> widthsBefore, List<LayerWidths> widthsAfter,
                         KnowledgeDistribution.Result kda, List<LhspgPruner.PeriodLog> periods, List<Double> losses,
                         int trainSteps, double seconds, List<TrainingLoop.Event> events, ModelCost.Change cost,
                         MlpAlignment.Report alignment) {}

    /** The compact model and its report; the caller owns (and closes) the model. */
    public record Outcome(CausalLm compact, Result result) {}

    /**
     * @param model the dense model; it is modified in place (zeroed, merged), and closed by the caller
     * @param data  training batches for progressive methods and calibration (step k → micro-batches)
     */
    public static Outcome run(CausalLm model, StructureSet set, PruneSettings s, BatchSource data,
                              KnowledgeDistribution.Probe probe, Checkpointer ckpt, Progress progress) {
        return run(model, set, s, data, probe, ckpt, progress, null);
    }

    /** @param preview for progressive methods, sees each period's selection removed before the period trains (may be null) */
    public static Outcome run(CausalLm model, StructureSet set, PruneSettings s, BatchSource data,
                              KnowledgeDistribution.Probe probe, Checkpointer ckpt, Progress progress,
                              PeriodPreview preview) {
        return run(model, set, s, data, probe, ckpt, progress, preview, null);
    }

    /** @param knownKda a KDA result of this model to use instead of running one (may be null) */
    public static Outcome run(CausalLm model, StructureSet set, PruneSettings s, BatchSource data,
                              KnowledgeDistribution.Probe probe, Checkpointer ckpt, Progress progress,
                              PeriodPreview preview, KnowledgeDistribution.Result knownKda) {
        long t0 = System.nanoTime();
        List<LayerWidths> before = model.config().layers();
        KnowledgeDistribution.Result kda = knownKda;
        if (kda == null && !s.kdaRatios().isEmpty() && (s.gammaU() > 0 || s.allocation() == Allocation.KDA))
            kda = KnowledgeDistribution.analyse(model, set, s.kdaRatios(), s.gammaU(), probe, Progress.NONE);
        if (kda != null) set = set.withUnprunable(kda.unprunableGroups());
        if (s.allocation() == Allocation.KDA && kda == null)
            throw new IllegalArgumentException("allocation kda needs the knowledge distribution analysis (KDA ratios are empty)");
        Budget.Plan plan = s.allocation() == Allocation.KDA ? Budget.bySensitivity(set, s.ratio(), kda) : Budget.plan(set, s.ratio());
        List<LhspgPruner.PeriodLog> periods = List.of();
        TrainingLoop.Summary trained = null;
        Map<String, double[]> biasShift = Map.of();
        MlpAlignment.Outcome aligned = null;
        int steps = 0;
        if (s.method().progressive()) {
            LoraAdapters ad = LoraAdapters.insert(model, s.lora());
            LhspgPruner pruner = new LhspgPruner(model, ad, set, plan.counts(), s.lhspg(), s.method().saliency(s.seed()));
            if (s.method().needsCalibration()) pruner.withCalibrator(m -> calibrate(m, data, s, false));
            if (preview != null) pruner.withPreview(preview);
            if (!plan.quotas().isEmpty()) pruner.withQuotas(plan.quotas());
            trained = train(ad, s, s.trainSteps(), data, pruner, ckpt, progress);
            periods = pruner.log();
            steps = s.trainSteps();
            ad.close();
        } else {
            LoraAdapters ad = null;
            if (s.method() == Method.LORASHEAR_ONESHOT) {
                ad = LoraAdapters.insert(model, s.lora());
                trained = train(ad, s, s.lhspg().warmupSteps(), data, TrainingLoop.NO_HOOK, ckpt, progress);
                steps = s.lhspg().warmupSteps();
            }
            Calibration calib = s.method().needsCalibration() ? calibrate(model, data, s, s.method() == Method.LLM_PRUNER || s.method() == Method.LLM_PRUNER_VECTOR) : null;
            ScoringContext ctx = new ScoringContext(set, model, ad, calib);
            Saliency saliency = s.method().saliency(s.seed());
            List<StructureRef> chosen = oneShot(set, plan, saliency, ctx);
            if (s.align().active()) {
                // before masking, so channels kept by rounding up keep their weights
                aligned = MlpAlignment.apply(set, chosen, s.align(), model.config().numLayers(), refs -> saliency.score(ctx, refs));
                chosen = aligned.removed();
            }
            if (s.method() == Method.FLAP) biasShift = flapCompensation(ctx, set, chosen);
            Masking.zero(model, ad, set, chosen);
            if (ad != null) ad.close();
        }
        List<StructureRef> removed = Compactor.zeroStructures(model, set);
        if (s.align().active() && aligned == null) {
            // after LHSPG: the removed channels are zero, the kept ones ranked by their trained magnitude
            ScoringContext ctx = new ScoringContext(set, model, null, null);
            aligned = MlpAlignment.apply(set, removed, s.align(), model.config().numLayers(), refs -> new MagnitudeSaliency().score(ctx, refs));
            removed = aligned.removed();
            Masking.zero(model, null, set, removed);
        }
        CausalLm compact = Compactor.compact(model, set, removed, biasShift);
        if (aligned != null && MlpAlignment.needsPadding(aligned.padTo())) compact = padded(compact, aligned.padTo());
        double achieved = 1.0 - (double) compact.numParams() / model.numParams();
        int ctxLen = model.config().maxSeqLen();
        ModelCost.Change cost = ModelCost.Change.of(ModelCost.of(model.config(), ctxLen, 4), ModelCost.of(compact.config(), ctxLen, 4));
        Result r = new Result(s.method().cliName(), s.allocation().cliName(), s.ratio(), achieved, model.numParams(), compact.numParams(), plan, before,
                compact.config().layers(), kda, periods, trained == null ? List.of() : trained.losses(), steps,
                (System.nanoTime() - t0) / 1e9, trained == null ? List.of() : trained.events(), cost, aligned == null ? null : aligned.report());
        return new Outcome(compact, r);
    }

    /** Zero channels past a layer's original width, so its MLP reaches the aligned size. */
    private static CausalLm padded(CausalLm compact, List<Integer> padTo) {
        try (compact) {
            ModelConfig c = compact.config();
            List<LayerWidths> target = MlpAlignment.padded(c.layers(), padTo);
            return CausalLm.fromWeights(c.withLayers(target), WidthPadding.pad(c, compact.toHost(), target), compact.computeDtype());
        }
    }

    static List<StructureRef> oneShot(StructureSet set, Budget.Plan plan, Saliency saliency, ScoringContext ctx) {
        List<StructureRef> chosen = new ArrayList<>();
        for (Cluster c : Cluster.values()) {
            List<StructureRef> pool = set.prunable(c);
            int k = plan.counts().getOrDefault(c, 0);
            if (k == 0) continue;
            double[] scores = saliency.score(ctx, pool);
            chosen.addAll(plan.quotas().isEmpty() ? Selector.select(pool, scores, k, saliency.ranking()) : Selector.byQuota(pool, scores, plan.quotas()));
        }
        return chosen;
    }

    private static TrainingLoop.Summary train(LoraAdapters ad, PruneSettings s, int steps, BatchSource data,
                                      TrainingLoop.StepHook hook, Checkpointer ckpt, Progress progress) {
        try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
            TrainingLoop.Settings ts = new TrainingLoop.Settings(steps, schedule(s, steps), s.checkpointEvery(), s.seed(), 3);
            return TrainingLoop.run(ad, opt, ts, data, hook, progress, ckpt);
        }
    }

    /** The pruning run's learning rate: LHSPG's CONSTANT shape holds the peak after warming up over T_w (at most 10 steps). */
    static LrSchedule schedule(PruneSettings s, int steps) {
        if (s.method().progressive() && s.lhspg().lr() == LhspgSettings.LrShape.CONSTANT)
            return new LrSchedule(s.lr(), Math.max(1, Math.min(10, s.lhspg().warmupSteps())), Math.max(1, steps), 1.0);
        return new LrSchedule(s.lr(), Math.min(10, Math.max(0, steps - 1)), Math.max(1, steps), 0.1);
    }

    private static Calibration calibrate(CausalLm model, BatchSource data, PruneSettings s, boolean gradients) {
        List<TokenBatch> batches = new ArrayList<>();
        for (int i = 0; i < s.calibBatches(); i++) batches.addAll(data.batches(-1 - i));   // negative steps: calibration draws
        return Calibration.collect(model, batches, gradients);
    }

    /** FLAP: the removed input channels' mean contribution, W[:, j] · E[X_j], moves into the output bias. */
    static Map<String, double[]> flapCompensation(ScoringContext ctx, StructureSet set, List<StructureRef> chosen) {
        Map<String, double[]> shift = new HashMap<>();
        for (StructureRef r : chosen)
            for (Cut c : set.get(r).dependent()) {
                if (!c.columns() || !c.param().endsWith(".weight")) continue;
                var w = ctx.weights().get(c.param());
                double[] mean = ctx.calibration().inputMean(c.param().substring(0, c.param().length() - ".weight".length()));
                int out = (int) w.shape()[0], in = (int) w.shape()[1];
                double[] b = shift.computeIfAbsent(c.param(), k -> new double[out]);
                for (int i = 0; i < out; i++) for (int j : c.indices()) b[i] += w.data()[i * in + j] * mean[j];
            }
        return shift;
    }
}
