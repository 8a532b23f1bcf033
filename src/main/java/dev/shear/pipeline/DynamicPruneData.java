package dev.shear.pipeline;

import dev.shear.data.BatchSource;
import dev.shear.data.Batches;
import dev.shear.data.Corpus;
import dev.shear.graph.StructureRef;
import dev.shear.model.CausalLm;
import dev.shear.prune.PeriodPreview;
import dev.shear.recover.DynamicRecovery;
import dev.shear.recover.MixtureWeights;
import dev.shear.recover.RecoverySettings;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Pruning-time data that follows dynamic recovery: the recovery sources, re-weighted before each LHSPG
 * period by the degradation that period's removal causes on each source (τ and floor as in recovery).
 * Until the first period the mixture is uniform.
 */
public final class DynamicPruneData implements PeriodPreview {
    private final List<Corpus> sources;
    private final Map<String, Double> reference;
    private final RecoverySettings measure;
    private final double[] weights;

    /** @param reference the dense model's perplexity on each source's validation split */
    public DynamicPruneData(List<Corpus> sources, Map<String, Double> reference, RecoverySettings measure) {
        this.sources = List.copyOf(sources);
        this.reference = Map.copyOf(reference);
        this.measure = measure;
        this.weights = new double[sources.size()];
        Arrays.fill(weights, 1.0 / weights.length);
    }

    public static DynamicPruneData forDense(CausalLm dense, List<Corpus> sources, RecoverySettings measure) {
        return new DynamicPruneData(sources, DynamicRecovery.measure(dense, sources, measure), measure);
    }

    public BatchSource batches(int batch, int seqLen, long seed) {
        return Batches.weighted(sources, batch, seqLen, seed, () -> weights);
    }

    @Override public void accept(CausalLm model, List<StructureRef> selection) {
        Map<String, Double> ppl = DynamicRecovery.measure(model, sources, measure);
        double[] d = new double[weights.length];
        for (int i = 0; i < d.length; i++) {
            String n = sources.get(i).name();
            d[i] = ppl.get(n) / reference.get(n) - 1;
        }
        System.arraycopy(MixtureWeights.compute(d, measure.tau(), measure.floor()), 0, weights, 0, d.length);
    }

    @Override public List<Double> state() { return Arrays.stream(weights).boxed().toList(); }

    @Override public void restore(List<Double> state) {
        if (state.size() != weights.length) throw new IllegalStateException("checkpoint holds " + state.size() + " mixture weights for " + weights.length + " sources");
        for (int i = 0; i < weights.length; i++) weights[i] = state.get(i);
    }
}
