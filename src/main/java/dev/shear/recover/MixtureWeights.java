package dev.shear.recover;

import dev.shear.data.Corpus;
import java.util.List;
import java.util.Map;

/**
 * The dynamic data adaptor's sampling weights: w_s ∝ max(d_s, τ), then every source is lifted to
 * at least the floor share so sources that degraded little still keep a balanced part.
 */
public final class MixtureWeights {
    private MixtureWeights() {}

    /** d_s = ppl_s / reference_s - 1 for each source, in the sources' order. */
    public static double[] degradation(List<Corpus> sources, Map<String, Double> ppl, Map<String, Double> reference) {
        double[] d = new double[sources.size()];
        for (int i = 0; i < d.length; i++) {
            String n = sources.get(i).name();
            d[i] = ppl.get(n) / reference.get(n) - 1;
        }
        return d;
    }

    /**
     * @param degradation d_s = (ppl_pruned - ppl_full) / ppl_full per source
     * @param tau         lower clamp of d_s (τ), so a source that improved still counts
     * @param floor       minimum share per source; must be at most 1 / sources
     */
    public static double[] compute(double[] degradation, double tau, double floor) {
        int n = degradation.length;
        if (n == 0) throw new IllegalArgumentException("mixture needs at least one source");
        if (tau <= 0) throw new IllegalArgumentException("tau " + tau + " must be positive");
        if (floor < 0 || floor * n > 1) throw new IllegalArgumentException("floor " + floor + " must be in [0, 1/" + n + "]");
        double[] w = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += w[i] = Math.max(Double.isFinite(degradation[i]) ? degradation[i] : tau, tau);
        for (int i = 0; i < n; i++) w[i] = floor + (1 - n * floor) * w[i] / sum;   // keeps order, sums to 1
        return w;
    }
}
