package dev.shear.pipeline;

import dev.shear.graph.StructureRef;
import dev.shear.model.CausalLm;
import dev.shear.prune.PeriodPreview;
import dev.shear.recover.DynamicMixture;
import java.util.List;

/**
 * Pruning-time data that follows dynamic recovery: before each LHSPG period trains, the mixture is
 * re-weighted by what that period's removal costs each source. The pruner shows its selection,
 * removed, to this preview; the weights ride in the pruner's checkpoints. Until the first period
 * the mixture is uniform.
 */
final class DynamicPruneData implements PeriodPreview {
    private final DynamicMixture dynamic;

    DynamicPruneData(DynamicMixture dynamic) { this.dynamic = dynamic; }

    @Override public void accept(CausalLm model, List<StructureRef> selection) { dynamic.reweigh(model); }

    @Override public List<Double> state() { return dynamic.mixture().weights(); }

    @Override public void restore(List<Double> state) { dynamic.mixture().setWeights(state); }
}
