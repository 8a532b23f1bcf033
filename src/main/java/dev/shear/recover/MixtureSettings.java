package dev.shear.recover;

/**
 * The recovery mixture: which paragraphs count, and how rounds weigh the sources.
 *
 * @param dynamic   weigh sources by how much they degraded (false: a static uniform mixture, the control)
 * @param tau       τ: lower clamp of a source's degradation in the sampling weights
 * @param floor     the smallest share any source gets in a round
 * @param minTokens paragraphs shorter than this many tokens are dropped (the paper keeps those of more than 64)
 */
public record MixtureSettings(boolean dynamic, double tau, double floor, int minTokens) {
    public MixtureSettings {
        if (!(tau > 0 && Double.isFinite(tau))) throw new IllegalArgumentException("tau " + tau + " must be a positive number");
        if (!(floor >= 0 && floor < 1)) throw new IllegalArgumentException("floor " + floor + " must be in [0, 1)");
        if (minTokens < 0) throw new IllegalArgumentException("min_tokens " + minTokens + " must be >= 0");
    }

    public MixtureSettings withDynamic(boolean on) { return new MixtureSettings(on, tau, floor, minTokens); }
}
