package dev.shear.model;

import dev.shear.engine.HostTensor;

/** Rotary frequency tables: angle(pos, i) = pos * inverseFrequency[i]. */
public final class Rope {
    private Rope() {}

    /** cos and sin tables, each (maxSeqLen, rotaryDim/2), for unscaled frequencies theta^(-2i / rotaryDim). */
    public static HostTensor[] tables(int maxSeqLen, int rotaryDim, double theta) {
        return tables(maxSeqLen, rotaryDim, RopeScaling.unscaled(rotaryDim, theta), 1.0);
    }

    /** cos and sin tables for given inverse frequencies, each multiplied by {@code factor}; computed in double, stored fp32. */
    public static HostTensor[] tables(int maxSeqLen, int rotaryDim, double[] inverseFrequencies, double factor) {
        int half = rotaryDim / 2;
        if (inverseFrequencies.length != half)
            throw new IllegalArgumentException("rope: " + inverseFrequencies.length + " frequencies for rotary dim " + rotaryDim);
        float[] cos = new float[maxSeqLen * half], sin = new float[maxSeqLen * half];
        for (int p = 0; p < maxSeqLen; p++) {
            for (int i = 0; i < half; i++) {
                double a = p * inverseFrequencies[i];
                cos[p * half + i] = (float) (Math.cos(a) * factor);
                sin[p * half + i] = (float) (Math.sin(a) * factor);
            }
        }
        return new HostTensor[] {HostTensor.of(cos, maxSeqLen, half), HostTensor.of(sin, maxSeqLen, half)};
    }
}
