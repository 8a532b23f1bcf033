package dev.shear.io;

/**
 * ggml's Q4_K: super-blocks of 256 values in 8 sub-blocks of 32. Each sub-block j has its own
 * scale and minimum, x = d * sc_j * q - dmin * m_j with 4-bit levels q and 6-bit sc_j, m_j; the
 * super-block stores binary16 d and dmin. Layout (144 bytes, 4.5 bits per value): d, dmin,
 * 12 bytes of packed 6-bit scales and mins, then 128 bytes where byte l of each 32-byte group g
 * holds value 64g + l in its low nibble and value 64g + 32 + l in its high nibble.
 *
 * <p>The quantizer is ggml's reference one (no importance matrix): per sub-block, a search over
 * 21 candidate scales for the weighted least-squares fit of scale and (non-positive) minimum,
 * weights |x| + rms(x); then the scales and minimums are quantized to 6 bits against their
 * maxima and every value is re-rounded to the quantized scale.
 */
final class BlockQ4_K implements BlockFormat {
    static final BlockQ4_K INSTANCE = new BlockQ4_K();
    static final int QK_K = 256;
    private static final int SUB = 32, NSUB = QK_K / SUB;

    private BlockQ4_K() {}

    @Override public int blockSize() { return QK_K; }

    @Override public int blockBytes() { return 4 + 12 + QK_K / 2; }

    @Override public void quantize(float[] x, int from, byte[] out, int at) {
        int[] levels = new int[QK_K];
        float[] scales = new float[NSUB], mins = new float[NSUB];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < NSUB; j++) {
            int o = from + SUB * j;
            float sumX2 = 0;
            for (int l = 0; l < SUB; l++) sumX2 += x[o + l] * x[o + l];
            float avX = (float) Math.sqrt(sumX2 / SUB);
            float[] weights = new float[SUB];
            for (int l = 0; l < SUB; l++) weights[l] = avX + Math.abs(x[o + l]);
            float[] fit = fitScaleAndMin(x, o, weights, levels, SUB * j);
            scales[j] = fit[0];
            mins[j] = fit[1];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        byte[] sm = new byte[12];
        for (int j = 0; j < NSUB; j++) {
            int ls = Math.min(63, QuantRounding.nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, QuantRounding.nearestInt(invMin * mins[j]) & 0xFF);
            packScaleMin(sm, j, ls, lm);
        }
        QuantRounding.putF16(out, at, maxScale / 63.f);
        QuantRounding.putF16(out, at + 2, maxMin / 63.f);
        System.arraycopy(sm, 0, out, at + 4, 12);
        float d = QuantRounding.f16(out, at), dmin = QuantRounding.f16(out, at + 2);
        for (int j = 0; j < NSUB; j++) {
            float dj = d * scale(sm, j);
            if (dj == 0) continue;                 // keeps the levels of the fit, as ggml does
            float mj = dmin * min(sm, j);
            for (int l = 0; l < SUB; l++)
                levels[SUB * j + l] = Math.max(0, Math.min(15, QuantRounding.nearestInt((x[from + SUB * j + l] + mj) / dj)));
        }
        for (int g = 0; g < QK_K / 64; g++)
            for (int l = 0; l < 32; l++)
                out[at + 16 + 32 * g + l] = (byte) (levels[64 * g + l] | levels[64 * g + 32 + l] << 4);
    }

    /**
     * ggml's make_qkx2_quants for 15 levels (rmin -1, rdelta 0.1, 20 steps, squared error): writes
     * the levels to {@code levels[at..at+32)} and returns {scale, -minimum}.
     */
    private static float[] fitScaleAndMin(float[] x, int o, float[] w, int[] levels, int at) {
        final int nmax = 15, nstep = 20;
        final float rmin = -1.f, rdelta = 0.1f;
        float min = x[o], max = x[o], sumW = w[0], sumX = sumW * x[o];
        for (int i = 1; i < SUB; i++) {
            if (x[o + i] < min) min = x[o + i];
            if (x[o + i] > max) max = x[o + i];
            sumW += w[i];
            sumX += w[i] * x[o + i];
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < SUB; i++) levels[at + i] = 0;
            return new float[] {0.f, -min};
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < SUB; i++) {
            int l = Math.max(0, Math.min(nmax, QuantRounding.nearestInt(iscale * (x[o + i] - min))));
            levels[at + i] = l;
            float diff = scale * l + min - x[o + i];
            bestError += w[i] * (diff * diff);
        }
        int[] aux = new int[SUB];
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < SUB; i++) {
                int l = Math.max(0, Math.min(nmax, QuantRounding.nearestInt(iscale * (x[o + i] - min))));
                aux[i] = l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[o + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float err = 0;
                for (int i = 0; i < SUB; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[o + i];
                    err += w[i] * (diff * diff);
                }
                if (err < bestError) {
                    System.arraycopy(aux, 0, levels, at, SUB);
                    bestError = err;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        return new float[] {scale, -min};
    }

    /** Sub-blocks 0-3: 6 bits in bytes j and j + 4; 4-7: low 4 bits in byte j + 4, high 2 bits in the top of bytes j - 4 and j. */
    private static void packScaleMin(byte[] sm, int j, int ls, int lm) {
        if (j < 4) {
            sm[j] = (byte) ls;
            sm[j + 4] = (byte) lm;
        } else {
            sm[j + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
            sm[j - 4] |= (byte) ((ls >> 4) << 6);
            sm[j] |= (byte) ((lm >> 4) << 6);
        }
    }

    private static int scale(byte[] sm, int j) {
        return j < 4 ? sm[j] & 63 : (sm[j + 4] & 0xF) | ((sm[j - 4] & 0xFF) >> 6) << 4;
    }

    private static int min(byte[] sm, int j) {
        return j < 4 ? sm[j + 4] & 63 : ((sm[j + 4] & 0xFF) >> 4) | ((sm[j] & 0xFF) >> 6) << 4;
    }

    @Override public void dequantize(byte[] in, int at, float[] y, int from) {
        float d = QuantRounding.f16(in, at), dmin = QuantRounding.f16(in, at + 2);
        byte[] sm = new byte[12];
        System.arraycopy(in, at + 4, sm, 0, 12);
        for (int g = 0; g < QK_K / 64; g++) {
            float d1 = d * scale(sm, 2 * g), m1 = dmin * min(sm, 2 * g);
            float d2 = d * scale(sm, 2 * g + 1), m2 = dmin * min(sm, 2 * g + 1);
            for (int l = 0; l < 32; l++) {
                int b = in[at + 16 + 32 * g + l] & 0xFF;
                y[from + 64 * g + l] = d1 * (b & 0xF) - m1;
                y[from + 64 * g + 32 + l] = d2 * (b >> 4) - m2;
            }
        }
    }
}
