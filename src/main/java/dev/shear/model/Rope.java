package dev.shear.model;

import dev.shear.engine.HostTensor;

/** Rotary frequency tables: angle(pos, i) = pos * theta^(-2i / rotaryDim). */
public final class Rope {
    private Rope() {}

    /** cos and sin tables, each (maxSeqLen, rotaryDim/2); computed in double, stored fp32. */
    public static HostTensor[] tables(int maxSeqLen, int rotaryDim, double theta) {
        int half = rotaryDim / 2;
        float[] cos = new float[maxSeqLen * half], sin = new float[maxSeqLen * half];
        for (int p = 0; p < maxSeqLen; p++) {
            for (int i = 0; i < half; i++) {
                double freq = Math.pow(theta, -2.0 * i / rotaryDim);
                double a = p * freq;
                cos[p * half + i] = (float) Math.cos(a);
                sin[p * half + i] = (float) Math.sin(a);
            }
        }
        return new HostTensor[] {HostTensor.of(cos, maxSeqLen, half), HostTensor.of(sin, maxSeqLen, half)};
    }
}
