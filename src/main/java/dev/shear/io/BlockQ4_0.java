package dev.shear.io;

/**
 * ggml's Q4_0: 32 values per block, a binary16 scale d = m / -8 where m is the value of largest
 * magnitude (so m itself maps to level 0), and 4-bit levels q = min(15, trunc(x / d + 8.5));
 * x = (q - 8) * d. Byte j holds value j in its low nibble and value j + 16 in its high nibble.
 * 18 bytes, 4.5 bits per value.
 */
final class BlockQ4_0 implements BlockFormat {
    static final BlockQ4_0 INSTANCE = new BlockQ4_0();
    private static final int QK = 32;

    private BlockQ4_0() {}

    @Override public int blockSize() { return QK; }

    @Override public int blockBytes() { return 2 + QK / 2; }

    @Override public void quantize(float[] x, int from, byte[] out, int at) {
        float d = QuantRounding.signedAbsMax(x, from, QK) / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        QuantRounding.putF16(out, at, d);
        for (int j = 0; j < QK / 2; j++) {
            int lo = Math.min(15, QuantRounding.truncate(x[from + j] * id + 8.5f));
            int hi = Math.min(15, QuantRounding.truncate(x[from + QK / 2 + j] * id + 8.5f));
            out[at + 2 + j] = (byte) (lo | hi << 4);
        }
    }

    @Override public void dequantize(byte[] in, int at, float[] y, int from) {
        float d = QuantRounding.f16(in, at);
        for (int j = 0; j < QK / 2; j++) {
            int b = in[at + 2 + j] & 0xFF;
            y[from + j] = ((b & 0x0F) - 8) * d;
            y[from + QK / 2 + j] = ((b >> 4) - 8) * d;
        }
    }
}
