package dev.shear.io;

/**
 * ggml's Q5_0 (llama.cpp's fallback for Q4_K rows that are not a multiple of 256): as
 * {@link BlockQ4_0} with 5-bit levels, d = m / -16, q = min(31, trunc(x / d + 16.5)),
 * x = (q - 16) * d. The low nibbles are laid out as in Q4_0; the fifth bits sit in a
 * little-endian uint32 after the scale (bit j for value j). 22 bytes, 5.5 bits per value.
 */
final class BlockQ5_0 implements BlockFormat {
    static final BlockQ5_0 INSTANCE = new BlockQ5_0();
    private static final int QK = 32;

    private BlockQ5_0() {}

    @Override public int blockSize() { return QK; }

    @Override public int blockBytes() { return 2 + 4 + QK / 2; }

    @Override public void quantize(float[] x, int from, byte[] out, int at) {
        float d = QuantRounding.signedAbsMax(x, from, QK) / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        QuantRounding.putF16(out, at, d);
        int qh = 0;
        for (int j = 0; j < QK / 2; j++) {
            int lo = Math.min(31, QuantRounding.truncate(x[from + j] * id + 16.5f));
            int hi = Math.min(31, QuantRounding.truncate(x[from + QK / 2 + j] * id + 16.5f));
            out[at + 6 + j] = (byte) ((lo & 0x0F) | (hi & 0x0F) << 4);
            qh |= (lo >> 4) << j | (hi >> 4) << (j + QK / 2);
        }
        for (int b = 0; b < 4; b++) out[at + 2 + b] = (byte) (qh >>> (8 * b));
    }

    @Override public void dequantize(byte[] in, int at, float[] y, int from) {
        float d = QuantRounding.f16(in, at);
        int qh = (in[at + 2] & 0xFF) | (in[at + 3] & 0xFF) << 8 | (in[at + 4] & 0xFF) << 16 | (in[at + 5] & 0xFF) << 24;
        for (int j = 0; j < QK / 2; j++) {
            int b = in[at + 6 + j] & 0xFF;
            y[from + j] = (((b & 0x0F) | ((qh >>> j) & 1) << 4) - 16) * d;
            y[from + QK / 2 + j] = (((b >> 4) | ((qh >>> (j + QK / 2)) & 1) << 4) - 16) * d;
        }
    }
}
