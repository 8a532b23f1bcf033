package dev.shear.prune;

import dev.shear.graph.Cluster;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import dev.shear.train.TrainingLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A method that scores once and cuts: optional LoRA warm-up, calibration, scores, selection within
 * the plan, width alignment, optional bias compensation, then the chosen structures are zeroed.
 * Subclasses name the criterion and what it needs.
 */
abstract class OneShotMethod implements PruningMethod {
    /** What a criterion reads from calibration batches. */
    enum Calibrate { NONE, ACTIVATIONS, GRADIENTS }

    private final String name;
    private final Calibrate calibrate;

    OneShotMethod(String name, Calibrate calibrate) {
        this.name = name;
        this.calibrate = calibrate;
    }

    @Override public final String name() { return name; }

    @Override public final boolean progressive() { return false; }

    /** LoRA steps before scoring; the peers score the base model as it is. */
    int warmupSteps(PruneSettings s) { return 0; }

    /** Bias shifts that compensate for the chosen structures; none by default. */
    Map<String, double[]> compensation(ScoringContext ctx, StructureSet set, List<StructureRef> chosen) { return Map.of(); }

    @Override public final Decision prune(PruneTarget t, Budget.Plan plan, PruneSettings s, PruneRun.Context ctx) {
        CausalLm model = t.model();
        StructureSet set = t.structures();
        int warmup = warmupSteps(s);
        LoraAdapters ad = t.adapters();
        TrainingLoop.Summary trained = null;
        if (warmup > 0) {
            trained = PruneTraining.train(ad, s, warmup, false, TrainingLoop.NO_HOOK, ctx);
        } else {
            ad.discard();              // the adapters were only needed for the trace
            ad = null;
        }
        // without a warm-up the model is still the base model as loaded, which a cluster can calibrate on its own copies
        Calibration calib = calibrate == Calibrate.NONE ? null
                : PruneTraining.calibrate(model, ctx.data(), s, calibrate == Calibrate.GRADIENTS, warmup == 0 ? ctx.offload() : null);
        ScoringContext scoring = new ScoringContext(set, model, ad, calib);
        Saliency saliency = saliency(s.seed());
        Decision d = Decision.of(select(set, plan, saliency, scoring));
        if (s.align().active())   // before masking, so channels kept by rounding up keep their weights
            d = d.aligned(MlpAlignment.apply(set, d.removed(), s.align(), model.config().numLayers(), refs -> saliency.score(scoring, refs)));
        d = new Decision(d.removed(), compensation(scoring, set, d.removed()), d.padTo(), d.alignment(), trained, warmup, List.of());
        Masking.zero(model, ad, set, d.removed());
        if (ad != null) ad.close();
        return d;
    }

    /** The lowest-scored structures of each cluster: the plan's per-group quotas, or its cluster counts under the saliency's ranking. */
    static List<StructureRef> select(StructureSet set, Budget.Plan plan, Saliency saliency, ScoringContext ctx) {
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
}
