package dev.shear.recover;

import dev.shear.data.Corpus;
import dev.shear.data.Mixture;
import dev.shear.model.CausalLm;
import dev.shear.train.TrainingSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A mixture weighted as dynamic recovery weighs a round, for training while pruning: the dense model's
 * perplexity on each source is measured once; {@link #reweigh} measures the model as it is now and
 * gives each source w ∝ max(degradation, τ), lifted to the floor.
 */
public final class DynamicMixture {
    private final Mixture mixture;
    private final Map<String, Double> reference;
    private final MixtureSettings settings;
    private final TrainingSettings measure;

    /** @param reference the dense model's perplexity on each source's validation split */
    public DynamicMixture(Mixture mixture, Map<String, Double> reference, MixtureSettings settings, TrainingSettings measure) {
        this.mixture = mixture;
        this.reference = Map.copyOf(reference);
        this.settings = settings;
        this.measure = measure;
    }

    /** Measures the dense model first; its perplexities are the reference every later measurement is compared with. */
    public static DynamicMixture forDense(CausalLm dense, List<Corpus> sources, RecoverySettings s) {
        return new DynamicMixture(new Mixture(sources), DynamicRecovery.measure(dense, sources, s.training()), s.mixture(), s.training());
    }

    public Mixture mixture() { return mixture; }

    /** Sets the weights from what the model lost on each source against the dense one. */
    public void reweigh(CausalLm model) {
        double[] d = MixtureWeights.degradation(mixture.sources(), DynamicRecovery.measure(model, mixture.sources(), measure), reference);
        mixture.setWeights(Arrays.stream(MixtureWeights.compute(d, settings.tau(), settings.floor())).boxed().toList());
    }
}
