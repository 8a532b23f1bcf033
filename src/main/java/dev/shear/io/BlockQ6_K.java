package dev.shear.io;

/**
 * ggml's Q6_K (what llama.cpp's k-quant mixes give the output layer and some attention value and
 * MLP down matrices): super-blocks of 256 values in 16 sub-blocks of 16, x = d * sc_j * (q - 32)
 * with 6-bit levels q, signed 8-bit sub-block scales sc_j and a binary16 d. Layout (210 bytes,
 * 6.5625 bits per value): 128 bytes of low nibbles, 64 bytes of high 2-bit pairs, 16 scales, d.
 * Within each half of 128 values, low-nibble byte l holds values l (low) and l + 64 (high), byte
 * 32 + l holds l + 32 and l + 96; high-bit byte l holds bits 4-5 of values l, l + 32, l + 64,
 * l + 96 in its bit pairs 0, 2, 4, 6.
 *
 * <p>The quantizer is ggml's reference one: per sub-block a search over 19 candidate scales for
 * the x²-weighted least-squares fit, then 8-bit sub-block scales against the largest, and every
 * value re-rounded to the quantized scale.
 */
final class BlockQ6_K implements BlockFormat {
    static final BlockQ6_K INSTANCE = new BlockQ6_K();
    private static final int QK_K = 256, SUB = 16, NSUB = QK_K / SUB;
    /** ggml's GROUP_MAX_EPS: a sub-block (or super-block scale) below this is all zero. */
    private static final float EPS = 1e-15f;

    private BlockQ6_K() {}

    @Override public int blockSize() { return QK_K; }

    @Override public int blockBytes() { return QK_K / 2 + QK_K / 4 + NSUB + 2; }

    @Override public void quantize(float[] x, int from, byte[] out, int at) {
        int[] levels = new int[QK_K];
        float[] scales = new float[NSUB];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < NSUB; ib++) {
            scales[ib] = fitScale(x, from + SUB * ib, levels, SUB * ib);
            if (Math.abs(scales[ib]) > maxAbsScale) {
                maxAbsScale = Math.abs(scales[ib]);
                maxScale = scales[ib];
            }
        }
        java.util.Arrays.fill(out, at, at + blockBytes(), (byte) 0);
        if (maxAbsScale < EPS) return;                        // all zero: levels, scales and d
        float iscale = -128.f / maxScale;
        QuantRounding.putF16(out, at + 208, 1 / iscale);
        for (int ib = 0; ib < NSUB; ib++) out[at + 192 + ib] = (byte) Math.min(127, QuantRounding.nearestInt(iscale * scales[ib]));
        float d = QuantRounding.f16(out, at + 208);
        for (int j = 0; j < NSUB; j++) {
            float dj = d * out[at + 192 + j];
            if (dj == 0) continue;                            // keeps the levels of the fit, as ggml does
            for (int i = 0; i < SUB; i++)
                levels[SUB * j + i] = Math.max(-32, Math.min(31, QuantRounding.nearestInt(x[from + SUB * j + i] / dj))) + 32;
        }
        for (int half = 0; half < 2; half++) {
            int ql = at + 64 * half, qh = at + 128 + 32 * half, v = 128 * half;
            for (int l = 0; l < 32; l++) {
                int q1 = levels[v + l], q2 = levels[v + l + 32], q3 = levels[v + l + 64], q4 = levels[v + l + 96];
                out[ql + l] = (byte) ((q1 & 0xF) | (q3 & 0xF) << 4);
                out[ql + l + 32] = (byte) ((q2 & 0xF) | (q4 & 0xF) << 4);
                out[qh + l] = (byte) ((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
    }

    /**
     * ggml's make_qx_quants for 32 levels each side, weights x²: levels (0..63) to
     * {@code levels[at..at+16)}, returns the signed scale.
     */
    private static float fitScale(float[] x, int o, int[] levels, int at) {
        final int nmax = 32;
        float max = QuantRounding.signedAbsMax(x, o, SUB);
        if (Math.abs(max) < EPS) {
            for (int i = 0; i < SUB; i++) levels[at + i] = 0;
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < SUB; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, QuantRounding.nearestInt(iscale * x[o + i])));
            levels[at + i] = l + nmax;
            float w = x[o + i] * x[o + i];
            sumlx += w * x[o + i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < SUB; i++) {
                int l = Math.max(-nmax, Math.min(nmax - 1, QuantRounding.nearestInt(iscale * x[o + i])));
                float w = x[o + i] * x[o + i];
                sumlx += w * x[o + i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < SUB; i++)
                    levels[at + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, QuantRounding.nearestInt(iscale * x[o + i])));
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    @Override public void dequantize(byte[] in, int at, float[] y, int from) {
        float d = QuantRounding.f16(in, at + 208);
        for (int half = 0; half < 2; half++) {
            int ql = at + 64 * half, qh = at + 128 + 32 * half, sc = at + 192 + 8 * half, v = from + 128 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16, lo = in[ql + l] & 0xFF, lo2 = in[ql + l + 32] & 0xFF, h = in[qh + l] & 0xFF;
                y[v + l] = d * in[sc + is] * ((lo & 0xF | (h & 3) << 4) - 32);
                y[v + l + 32] = d * in[sc + is + 2] * ((lo2 & 0xF | (h >> 2 & 3) << 4) - 32);
                y[v + l + 64] = d * in[sc + is + 4] * ((lo >> 4 | (h >> 4 & 3) << 4) - 32);
                y[v + l + 96] = d * in[sc + is + 6] * ((lo2 >> 4 | (h >> 6 & 3) << 4) - 32);
            }
        }
    }
}
