package dev.shear.model;

import java.util.List;

/**
 * How a model rescales its rotary frequencies (Hugging Face's {@code rope_scaling}). Each variant
 * turns the unscaled inverse frequencies theta^(-2i/d) into the ones used for a forward pass that
 * reaches {@code length} positions; cos and sin are multiplied by {@link #attentionFactor}.
 */
public sealed interface RopeScaling {
    RopeScaling NONE = new None();

    /** Inverse frequencies (rotaryDim / 2 of them) for positions below {@code length}. */
    double[] inverseFrequencies(int rotaryDim, double theta, int length);

    /** The factor cos and sin are multiplied by. */
    default double attentionFactor() { return 1.0; }

    /** True when the frequencies change with the sequence length (the tables are then built per length). */
    default boolean lengthDependent() { return false; }

    /** The config.json {@code rope_type}. */
    String type();

    /** theta^(-2i/d), computed in double. */
    static double[] unscaled(int rotaryDim, double theta) {
        double[] f = new double[rotaryDim / 2];
        for (int i = 0; i < f.length; i++) f[i] = Math.pow(theta, -2.0 * i / rotaryDim);
        return f;
    }

    /** No scaling. */
    record None() implements RopeScaling {
        @Override public double[] inverseFrequencies(int rotaryDim, double theta, int length) { return unscaled(rotaryDim, theta); }

        @Override public String type() { return "default"; }
    }

    /** Position interpolation: every frequency divided by {@code factor}. */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            if (!(factor > 0)) throw new IllegalArgumentException("linear rope scaling factor " + factor + " must be positive");
        }

        @Override public double[] inverseFrequencies(int rotaryDim, double theta, int length) {
            double[] f = unscaled(rotaryDim, theta);
            for (int i = 0; i < f.length; i++) f[i] /= factor;
            return f;
        }

        @Override public String type() { return "linear"; }
    }

    /**
     * Dynamic NTK: past {@code originalMax} positions the base grows to
     * theta * (factor * length / originalMax - (factor - 1))^(d / (d - 2)); up to it nothing changes.
     */
    record Dynamic(double factor, int originalMax) implements RopeScaling {
        public Dynamic {
            if (!(factor >= 1) || originalMax < 1)
                throw new IllegalArgumentException("dynamic rope scaling: factor " + factor + " must be >= 1 and the context " + originalMax + " positive");
        }

        @Override public double[] inverseFrequencies(int rotaryDim, double theta, int length) {
            if (length <= originalMax) return unscaled(rotaryDim, theta);
            double base = theta * Math.pow(factor * length / originalMax - (factor - 1), rotaryDim / (rotaryDim - 2.0));
            return unscaled(rotaryDim, base);
        }

        @Override public boolean lengthDependent() { return true; }

        @Override public String type() { return "dynamic"; }
    }

    /**
     * Llama 3.1: wavelengths longer than originalMax / lowFreqFactor are divided by factor, shorter
     * than originalMax / highFreqFactor kept, and blended smoothly between the two.
     */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMax) implements RopeScaling {
        public Llama3 {
            if (!(factor > 0) || !(highFreqFactor > lowFreqFactor) || !(lowFreqFactor > 0) || originalMax < 1)
                throw new IllegalArgumentException("llama3 rope scaling: factor " + factor + ", low_freq_factor " + lowFreqFactor
                        + ", high_freq_factor " + highFreqFactor + ", original_max_position_embeddings " + originalMax
                        + " (expected positive values and high > low)");
        }

        @Override public double[] inverseFrequencies(int rotaryDim, double theta, int length) {
            double[] f = unscaled(rotaryDim, theta);
            double lowWavelen = originalMax / lowFreqFactor, highWavelen = originalMax / highFreqFactor;
            for (int i = 0; i < f.length; i++) {
                double wavelen = 2 * Math.PI / f[i];
                if (wavelen > lowWavelen) f[i] /= factor;
                else if (wavelen >= highWavelen) {
                    double smooth = (originalMax / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    f[i] = (1 - smooth) * f[i] / factor + smooth * f[i];
                }
            }
            return f;
        }

        /** Per frequency, what theta^(-2i/d) is divided by (llama.cpp's rope_freqs tensor). */
        public double[] divisors(int rotaryDim, double theta) {
            double[] base = unscaled(rotaryDim, theta), scaled = inverseFrequencies(rotaryDim, theta, 0);
            for (int i = 0; i < base.length; i++) base[i] /= scaled[i];
            return base;
        }

        @Override public String type() { return "llama3"; }
    }

    /**
     * Phi-3's LongRoPE ("su"): each frequency divided by a per-dimension factor, the short list while
     * a pass stays within {@code originalMax} positions and the long list beyond; cos and sin are
     * scaled by {@code attentionFactor} (by default sqrt(1 + ln(max / originalMax) / ln(originalMax))).
     */
    record LongRope(List<Double> shortFactor, List<Double> longFactor, int originalMax, double attentionFactor) implements RopeScaling {
        public LongRope {
            shortFactor = List.copyOf(shortFactor);
            longFactor = List.copyOf(longFactor);
            if (shortFactor.size() != longFactor.size() || shortFactor.isEmpty() || originalMax < 1 || !(attentionFactor > 0))
                throw new IllegalArgumentException("longrope scaling: " + shortFactor.size() + " short and " + longFactor.size()
                        + " long factors, original context " + originalMax + ", attention factor " + attentionFactor
                        + " (expected equal non-empty lists and positive values)");
        }

        /** The attention factor Hugging Face derives when the config gives none. */
        public static double defaultAttentionFactor(int maxPositions, int originalMax) {
            double scale = (double) maxPositions / originalMax;
            return scale <= 1 ? 1.0 : Math.sqrt(1 + Math.log(scale) / Math.log(originalMax));
        }

        @Override public double[] inverseFrequencies(int rotaryDim, double theta, int length) {
            if (shortFactor.size() != rotaryDim / 2)
                throw new IllegalArgumentException("longrope scaling has " + shortFactor.size() + " factors, expected rotary dim / 2 = " + rotaryDim / 2);
            List<Double> ext = length > originalMax ? longFactor : shortFactor;
            double[] f = unscaled(rotaryDim, theta);
            for (int i = 0; i < f.length; i++) f[i] /= ext.get(i);
            return f;
        }

        @Override public boolean lengthDependent() { return true; }

        @Override public String type() { return "longrope"; }
    }
}
