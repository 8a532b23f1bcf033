package dev.shear.prune;

import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import dev.shear.train.TrainingLoop;
import java.util.Map;

/**
 * A progressive method: LHSPG as a training-loop hook. Each period moves the plan's share of the
 * lowest-scored structures into the active set, where they decay to exactly zero while LoRA trains;
 * the adapters are merged at the end. Subclasses choose the criterion and the mode.
 */
abstract class LhspgMethod implements PruningMethod {
    private final String name;
    private final LhspgPruner.Mode mode;
    private final boolean calibrated;

    /** @param calibrated the criterion reads calibration activations, recomputed at each selection */
    LhspgMethod(String name, LhspgPruner.Mode mode, boolean calibrated) {
        this.name = name;
        this.mode = mode;
        this.calibrated = calibrated;
    }

    @Override public final String name() { return name; }

    @Override public final boolean progressive() { return true; }

    /**
     * A cluster-level plan made per group, as one-shot selection by this method's criterion on the
     * unpruned model would split it, so each period can take its even share of every group.
     */
    private Budget.Plan withGroupQuotas(Budget.Plan plan, StructureSet set, CausalLm model, PruneSettings s, PruneRun.Context ctx) {
        Calibration calib = calibrated ? PruneTraining.calibrate(model, ctx.data(), s, false, ctx.offload()) : null;
        Map<Integer, Integer> q = new java.util.TreeMap<>();
        for (var r : OneShotMethod.select(set, plan, saliency(s.seed()), new ScoringContext(set, model, null, calib))) q.merge(r.group(), 1, Integer::sum);
        for (int g = 0; g < set.groups().size(); g++) if (set.groups().get(g).prunable()) q.putIfAbsent(g, 0);
        return new Budget.Plan(plan.counts(), plan.removedParams(), plan.achievedFraction(), plan.targetFraction(), q);
    }

    @Override public final Decision prune(PruneTarget t, Budget.Plan plan, PruneSettings s, PruneRun.Context ctx) {
        CausalLm model = t.model();
        StructureSet set = t.structures();
        LoraAdapters ad = t.adapters();
        LhspgPruner pruner = new LhspgPruner(model, ad, set, plan.counts(), s.schedule(), mode, saliency(s.seed()));
        if (calibrated) pruner.withCalibrator(m -> PruneTraining.calibrate(m, ctx.data(), s, false, null));
        if (ctx.preview() != null) pruner.withPreview(ctx.preview());
        if (mode == LhspgPruner.Mode.OBS) {
            pruner.withObs(mods -> PruneTraining.secondMoments(model, ctx.data(), s, mods), ObsSelection.RIDGE);
            if (plan.quotas().isEmpty()) plan = withGroupQuotas(plan, set, model, s, ctx);
        }
        if (!plan.quotas().isEmpty()) pruner.withQuotas(plan.quotas());
        int steps = s.schedule().trainSteps();
        TrainingLoop.Summary trained = PruneTraining.train(ad, s, steps, true, pruner, ctx);
        ad.close();
        Decision d = new Decision(pruner.pruned(), Map.of(), java.util.List.of(), null, trained, steps, pruner.log());
        if (!s.align().active()) return d;
        // after LHSPG the removed channels are zero; the kept ones are ranked by their trained magnitude
        ScoringContext scoring = new ScoringContext(set, model, null, null);
        d = d.aligned(MlpAlignment.apply(set, d.removed(), s.align(), model.config().numLayers(), refs -> new MagnitudeSaliency().score(scoring, refs)));
        Masking.zero(model, null, set, d.removed());
        return d;
    }
}
