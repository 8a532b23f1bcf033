package dev.shear.prune;

import dev.shear.data.BatchSource;
import dev.shear.data.TokenBatch;
import dev.shear.engine.Progress;
import dev.shear.graph.Cluster;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelCost;
import dev.shear.train.Checkpointer;
import dev.shear.train.LrSchedule;
import dev.shear.train.Teacher;
import dev.shear.train.TrainingLoop;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** One pruning run: knowledge distribution analysis, budget, the method, compaction. */
public final class PruneRun {
    private PruneRun() {}

    /**
     * What a run reads besides its settings, and where it reports.
     *
     * @param data        training batches for the progressive methods and calibration draws (step k → micro-batches)
     * @param probe       the perplexity KDA measures
     * @param checkpoints where pruning-time training saves and resumes
     * @param progress    where the training steps report
     * @param preview     sees each LHSPG period's selection removed before the period trains; null for none
     * @param knownKda    a KDA result of this model to use instead of running one; null to run it when the settings ask
     * @param teacher     the original model's outputs for distillation; null when the settings leave it off
     * @param sharedSchedule the learning-rate schedule pruning shares with the recovery after it; null for pruning's own
     * @param offload     where KDA and the one-shot calibration run instead of here (a cluster); null for here
     */
    public record Context(BatchSource data, KnowledgeDistribution.Probe probe, Checkpointer checkpoints, Progress progress,
                          PeriodPreview preview, KnowledgeDistribution.Result knownKda, Teacher teacher, LrSchedule sharedSchedule,
                          Offload offload) {
        public Context {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(checkpoints, "checkpoints");
            Objects.requireNonNull(progress, "progress");
        }

        public Context(BatchSource data, KnowledgeDistribution.Probe probe, Checkpointer checkpoints, Progress progress,
                       PeriodPreview preview, KnowledgeDistribution.Result knownKda) {
            this(data, probe, checkpoints, progress, preview, knownKda, null, null, null);
        }

        /** No checkpoints, no progress, no preview; KDA runs when the settings ask. */
        public static Context of(BatchSource data, KnowledgeDistribution.Probe probe) {
            return new Context(data, probe, Checkpointer.NONE, Progress.NONE, null, null);
        }

        public Context withCheckpoints(Checkpointer c) { return new Context(data, probe, c, progress, preview, knownKda, teacher, sharedSchedule, offload); }

        public Context withProgress(Progress p) { return new Context(data, probe, checkpoints, p, preview, knownKda, teacher, sharedSchedule, offload); }

        public Context withPreview(PeriodPreview p) { return new Context(data, probe, checkpoints, progress, p, knownKda, teacher, sharedSchedule, offload); }

        public Context withKnownKda(KnowledgeDistribution.Result k) { return new Context(data, probe, checkpoints, progress, preview, k, teacher, sharedSchedule, offload); }

        /** The original model's outputs, for distillation when the training settings turn it on. */
        public Context withTeacher(Teacher t) { return new Context(data, probe, checkpoints, progress, preview, knownKda, t, sharedSchedule, offload); }

        /**
         * One learning-rate schedule for pruning-time training and the recovery after it (step k of
         * pruning is step k of the schedule); null gives pruning its own short schedule.
         */
        public Context withSharedSchedule(LrSchedule l) { return new Context(data, probe, checkpoints, progress, preview, knownKda, teacher, l, offload); }

        public Context withOffload(Offload o) { return new Context(data, probe, checkpoints, progress, preview, knownKda, teacher, sharedSchedule, o); }
    }

    /**
     * Work on the base model as it was loaded (no training, no masks yet) that a cluster can do
     * instead of this process, on its own copies of the model: KDA's probes, one per node group, and
     * the calibration statistics of the one-shot criteria, summed over shards (docs/distributed.md).
     */
    public interface Offload {
        /** {@link KnowledgeDistribution#analyse} with the settings' KDA ratios and γ_u, on the run's probe, over the set's groups. */
        KnowledgeDistribution.Result kda(StructureSet set, PruneSettings s);

        /** {@link Calibration#collect} over the batches, on the base model. */
        Calibration calibrate(List<TokenBatch> batches, boolean withGradients);
    }

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
     * Reads KDA → budget → method → compact. The target's model is modified in place (zeroed,
     * merged) and stays the caller's to close; its adapters are merged or discarded by the method.
     */
    public static Outcome run(PruneTarget target, PruneSettings s, Context ctx) {
        long t0 = System.nanoTime();
        CausalLm model = target.model();
        List<LayerWidths> before = model.config().layers();
        PruningMethod method = s.method().strategy();
        java.util.Set<Integer> protectedLayers = method.protectedLayers(model.config().numLayers());
        Allocation allocation = s.allocation().resolve(method, s.kda().configured() || ctx.knownKda() != null);
        // protection can only shrink what KDA allocation may take, so a target it cannot hold now stops before the analysis
        if (allocation == Allocation.KDA) Budget.checkSensitivityCapacity(withProtectedLayers(target.structures(), protectedLayers), s.ratio());
        KnowledgeDistribution.Result kda = kda(target, s, ctx, method);
        StructureSet set = kda == null ? target.structures() : target.structures().withUnprunable(kda.unprunableGroups());
        set = withProtectedLayers(set, protectedLayers);
        if (allocation == Allocation.KDA && kda == null)
            throw new IllegalArgumentException("allocation kda needs the knowledge distribution analysis (KDA ratios are empty)");
        Budget.Plan plan = switch (allocation) {
            case KDA -> Budget.bySensitivity(set, s.ratio(), kda);
            case JOINT -> jointPlan(model, set, s, method, ctx);
            default -> Budget.plan(set, s.ratio());
        };
        Decision d = method.prune(target.withStructures(set), plan, s, ctx);
        CausalLm compact = Compactor.compact(model, set, d);
        double achieved = 1.0 - (double) compact.numParams() / model.numParams();
        int ctxLen = model.config().maxSeqLen();
        ModelCost.Change cost = ModelCost.Change.of(ModelCost.of(model.config(), ctxLen, 4), ModelCost.of(compact.config(), ctxLen, 4));
        TrainingLoop.Summary trained = d.training();
        Result r = new Result(method.name(), allocation.name().toLowerCase(Locale.ROOT), s.ratio(), achieved, model.numParams(), compact.numParams(),
                plan, before, compact.config().layers(), kda, d.periods(), trained == null ? List.of() : trained.losses(), d.trainSteps(),
                (System.nanoTime() - t0) / 1e9, trained == null ? List.of() : trained.events(), cost, d.alignment());
        return new Outcome(compact, r);
    }

    /** The groups of the given layers made unprunable (a method's own protected layers). */
    static StructureSet withProtectedLayers(StructureSet set, java.util.Set<Integer> layers) {
        if (layers.isEmpty()) return set;
        java.util.Set<Integer> groups = new java.util.HashSet<>();
        for (int g = 0; g < set.groups().size(); g++) if (layers.contains(set.groups().get(g).layer())) groups.add(g);
        return set.withUnprunable(groups);
    }

    /**
     * FLAP's joint plan on the model as it is: both clusters in one ranking, with FLAP's own
     * standardisation when the criterion is FLAP's and per-group z-scores otherwise.
     */
    static Budget.Plan jointPlan(CausalLm model, StructureSet set, PruneSettings s, PruningMethod method, Context ctx) {
        Saliency saliency = method.saliency(s.seed());
        Calibration calib = s.calibBatches() > 0 && ctx.data() != null ? PruneTraining.calibrate(model, ctx.data(), s, false, ctx.offload()) : null;
        ScoringContext scoring = new ScoringContext(set, model, null, calib);
        List<StructureRef> pool = new java.util.ArrayList<>();
        for (Cluster c : Cluster.values()) pool.addAll(set.prunable(c));
        double[] scores = saliency instanceof FlapSaliency f ? f.standardized(scoring, pool) : Selector.standardized(pool, saliency.score(scoring, pool));
        return Budget.joint(set, s.ratio(), pool, scores);
    }

    /** The known result, or a fresh analysis when the settings configure one and either protection or allocation uses it. */
    private static KnowledgeDistribution.Result kda(PruneTarget target, PruneSettings s, Context ctx, PruningMethod method) {
        if (ctx.knownKda() != null) return ctx.knownKda();
        if (!s.kda().configured()) return null;
        boolean allocates = s.allocation().resolve(method, true) == Allocation.KDA;
        if (s.kda().gammaU() <= 0 && !allocates) return null;
        long probes = target.structures().groups().stream().filter(g -> g.prunable()).count() * s.kda().ratios().size();
        try (Progress bar = ctx.progress().task("kda", probes)) {
            return target.adapters().bypassed(() ->            // the base model's sensitivity, without the adapters' cost
                    method.analyse(target, s.kda(), ctx, s, bar));
        }
    }
}
