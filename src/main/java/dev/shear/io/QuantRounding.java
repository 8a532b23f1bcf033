package dev.shear.io;

/**
 * The rounding rules ggml's reference quantizers use, reproduced exactly. Java's float arithmetic
 * is IEEE binary32 without fused multiply-adds, as in ggml's scalar C code, so the same expressions
 * in the same order give the same bits.
 */
final class QuantRounding {
    private QuantRounding() {}

    /** C's {@code roundf}: to the nearest integer, halves away from zero (exact in double for any float). */
    static int roundAway(float x) {
        return (int) Math.copySign(Math.floor(Math.abs((double) x) + 0.5), x);
    }

    /**
     * ggml's {@code nearest_int}: adding 1.5 * 2^23 in binary32 rounds to the nearest integer with
     * halves to even, which is {@code rint} for every value it is defined on (|x| < 2^22).
     */
    static int nearestInt(float x) {
        return (int) Math.rint(x);
    }

    /** C's float to integer conversion: towards zero. */
    static int truncate(float x) {
        return (int) x;
    }

    static void putF16(byte[] b, int at, float v) {
        short h = HalfFloats.floatToF16(v);
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >> 8);
    }

    static float f16(byte[] b, int at) {
        return HalfFloats.f16ToFloat((short) ((b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8));
    }

    /** The largest |x| of a block and the signed value that has it (the first one on ties). */
    static float signedAbsMax(float[] x, int from, int n) {
        float amax = 0, max = 0;
        for (int j = 0; j < n; j++) {
            float v = x[from + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }
}
