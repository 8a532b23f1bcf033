package dev.shear.prune;

import dev.shear.engine.Progress;
import dev.shear.graph.Cluster;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.List;

/**
 * Shear's LoRAShear, the default: KDA as a soft allocation signal, with each group's curve measured
 * by the removal the method really performs (structured OBS with compensation), nothing protected;
 * then LHSPG in OBS mode: after the warm-up, each period folds LoRA into the weights, removes its even
 * share of every group's count by layer-by-layer structured OBS with the kept columns compensated,
 * and LoRA trains on. Wanda-sp scores split a uniform plan into groups when KDA is not configured.
 * Why each piece is there, and what it is worth, is in docs/results.md (the ablation table).
 */
final class LoraShearObsMethod extends LhspgMethod {
    LoraShearObsMethod() { super("lorashear-obs", LhspgPruner.Mode.OBS, true); }

    @Override public Saliency saliency(long seed) { return new WandaSpSaliency(); }

    @Override public Allocation autoAllocation(boolean kdaConfigured) { return kdaConfigured ? Allocation.KDA : Allocation.UNIFORM; }

    @Override public KnowledgeDistribution.Result analyse(PruneTarget t, KdaSettings k, PruneRun.Context ctx, PruneSettings s, Progress progress) {
        CausalLm model = t.model();
        StructureSet set = t.structures();
        List<StructureRef> all = new ArrayList<>();
        for (Cluster c : Cluster.values()) all.addAll(set.prunable(c));
        Calibration calib = PruneTraining.secondMoments(model, ctx.data(), s, ObsSelection.modules(set, all));
        return KnowledgeDistribution.analyseObs(model, set, k.ratios(), k.gammaU(), ctx.probe(), calib, ObsSelection.RIDGE, progress);
    }
}
