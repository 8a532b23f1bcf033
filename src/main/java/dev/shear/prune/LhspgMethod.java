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

    @Override public final Decision prune(PruneTarget t, Budget.Plan plan, PruneSettings s, PruneRun.Context ctx) {
        CausalLm model = t.model();
        StructureSet set = t.structures();
        LoraAdapters ad = t.adapters();
        LhspgPruner pruner = new LhspgPruner(model, ad, set, plan.counts(), s.schedule(), mode, saliency(s.seed()));
        if (calibrated) pruner.withCalibrator(m -> PruneTraining.calibrate(m, ctx.data(), s, false, null));
        if (ctx.preview() != null) pruner.withPreview(ctx.preview());
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
