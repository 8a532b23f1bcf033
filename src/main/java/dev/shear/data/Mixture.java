package dev.shear.data;

import java.util.Arrays;
import java.util.List;

/**
 * Several sources and the share of training rows each gets. The weights start uniform and may change
 * between steps (dynamic data re-weighs them at each LHSPG period); {@link #batches} draws with the
 * weights of the moment, and checkpoints carry them ({@link #weights}, {@link #setWeights}).
 */
public final class Mixture {
    private final List<Corpus> sources;
    private final double[] weights;

    public Mixture(List<Corpus> sources) {
        if (sources.isEmpty()) throw new IllegalArgumentException("a mixture needs at least one source");
        this.sources = List.copyOf(sources);
        this.weights = new double[sources.size()];
        Arrays.fill(weights, 1.0 / weights.length);
    }

    public List<Corpus> sources() { return sources; }

    public int size() { return sources.size(); }

    public double weight(int source) { return weights[source]; }

    public List<Double> weights() { return Arrays.stream(weights).boxed().toList(); }

    public void setWeights(List<Double> w) {
        if (w.size() != weights.length) throw new IllegalStateException(w.size() + " mixture weights for " + weights.length + " sources");
        for (int i = 0; i < weights.length; i++) weights[i] = w.get(i);
    }

    /** Rows drawn by the current weights: step k's rows depend only on (seed, k, weights). */
    public BatchSource batches(int batch, int seqLen, long seed) { return Batches.weighted(this, batch, seqLen, seed); }
}
