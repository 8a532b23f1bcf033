package dev.shear.io;

/**
 * ggml's Q8_0: 32 values per block, a binary16 scale d = max|x| / 127 and 32 signed bytes
 * q = round(x / d) (halves away from zero); x = q * d. 34 bytes, 8.5 bits per value.
 */
final class BlockQ8_0 implements BlockFormat {
    static final BlockQ8_0 INSTANCE = new BlockQ8_0();
    private static final int QK = 32;

    private BlockQ8_0() {}

    @Override public int blockSize() { return QK; }

    @Override public int blockBytes() { return 2 + QK; }

    @Override public void quantize(float[] x, int from, byte[] out, int at) {
        float amax = 0;
        for (int j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(x[from + j]));
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        QuantRounding.putF16(out, at, d);
        for (int j = 0; j < QK; j++) out[at + 2 + j] = (byte) QuantRounding.roundAway(x[from + j] * id);
    }

    @Override public void dequantize(byte[] in, int at, float[] y, int from) {
        float d = QuantRounding.f16(in, at);
        for (int j = 0; j < QK; j++) y[from + j] = in[at + 2 + j] * d;
    }
}
