package dev.shear.prune;

import java.util.List;

/**
 * The knowledge distribution analysis.
 *
 * @param ratios  fractions of each node group removed alone to measure its sensitivity; empty skips KDA
 * @param gammaU  γ_u: the fraction of node groups, the most sensitive, that KDA marks unprunable
 */
public record KdaSettings(List<Double> ratios, double gammaU) implements java.io.Serializable {
    public static final KdaSettings NONE = new KdaSettings(List.of(), 0);

    public KdaSettings {
        if (ratios == null || ratios.stream().anyMatch(java.util.Objects::isNull)) throw new IllegalArgumentException("ratios " + ratios + " must be a list of numbers in (0, 1)");
        ratios = List.copyOf(ratios);
        for (Double r : ratios) if (r == null || !(r > 0 && r < 1)) throw new IllegalArgumentException("ratios " + ratios + " must each be in (0, 1)");
        if (!(gammaU >= 0 && gammaU < 1)) throw new IllegalArgumentException("gamma_u " + gammaU + " must be in [0, 1)");
    }

    /** True when the settings ask for the analysis at all. */
    public boolean configured() { return !ratios.isEmpty(); }
}
