package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The format's error, checked on every value of many random blocks without any reference: the
 * dequantized value must be the level of its block's stored grid nearest to the input.
 *
 * <p>Precisely, a block (or sub-block) stores a step s and an offset o, and represents the values
 * s * q + o for integer levels q in [lo, hi] (Q8_0: -127..127, Q4_0: -8..7, Q5_0: -16..15 with
 * s = d; Q4_K: 0..15 with s = d * sc_j, o = -dmin * m_j; Q6_K: -32..31 with s = d * sc_j). The
 * format's error for an input x is the distance from x to the nearest of those values: at most
 * s / 2 inside the grid's range, plus the distance to the range outside it (Q4_0's top level is
 * one step short of the largest magnitude of opposite sign). The test demands
 * |x - dequantized| <= that distance + slack, where the slack comes from the binary16 rounding of d
 * for Q8_0/Q4_0/Q5_0 (ggml rounds with the binary32 scale before storing it as
 * binary16; the K-quants re-round every value against the stored scales, so they get no such
 * slack) plus a few binary32 ulps. The slack is (|q| + 1/2) times that rounding: half a step of the
 * binary32 scale is up to half the rounding more than half a step of the stored one.
 */
class BlockFormatErrorTest {
    /** One block's grid: the levels s * q + o, q in [lo, hi], per value of the block. */
    record Grid(float[] step, float[] offset, int lo, int hi, boolean scaleRoundedAfter) {}

    static Grid grid(GgmlType t, byte[] p, int at) {
        int n = t.format.blockSize();
        float[] s = new float[n], o = new float[n];
        switch (t) {
            case Q8_0, Q4_0, Q5_0 -> {
                java.util.Arrays.fill(s, QuantRounding.f16(p, at));
                int lo = t == GgmlType.Q8_0 ? -127 : t == GgmlType.Q4_0 ? -8 : -16;
                return new Grid(s, o, lo, t == GgmlType.Q8_0 ? 127 : -lo - 1, false);
            }
            case Q4_K -> {
                float d = QuantRounding.f16(p, at), dmin = QuantRounding.f16(p, at + 2);
                for (int j = 0; j < 8; j++) {
                    int sc, m;                      // the 6-bit layout, decoded independently of BlockQ4_K
                    if (j < 4) {
                        sc = p[at + 4 + j] & 63;
                        m = p[at + 8 + j] & 63;
                    } else {
                        sc = (p[at + 8 + j] & 0xF) | ((p[at + j] & 0xFF) >> 6) << 4;
                        m = ((p[at + 8 + j] & 0xFF) >> 4) | ((p[at + 4 + j] & 0xFF) >> 6) << 4;
                    }
                    for (int l = 0; l < 32; l++) {
                        s[32 * j + l] = d * sc;
                        o[32 * j + l] = -(dmin * m);
                    }
                }
                return new Grid(s, o, 0, 15, true);
            }
            case Q6_K -> {
                float d = QuantRounding.f16(p, at + 208);
                for (int v = 0; v < 256; v++) s[v] = d * p[at + 192 + v / 16];
                return new Grid(s, o, -32, 31, true);
            }
            default -> throw new IllegalArgumentException(t.toString());
        }
    }

    /** Half an ulp of binary16 at |d|: how far ggml's stored scale can be from the binary32 one. */
    static double f16HalfUlp(float d) {
        double a = Math.abs(d);
        return a < 0x1p-14 ? 0x1p-25 : Math.scalb(1.0, Math.getExponent((float) a) - 11);
    }

    static void checkBlock(GgmlType t, float[] x, int from, String what) {
        BlockFormat f = t.format;
        byte[] p = new byte[f.blockBytes()];
        f.quantize(x, from, p, 0);
        float[] y = new float[f.blockSize()];
        f.dequantize(p, 0, y, 0);
        Grid g = grid(t, p, 0);
        for (int k = 0; k < y.length; k++) {
            final int i = k;
            double s = Math.abs(g.step()[i]), o = g.offset()[i], xi = x[from + i];
            double a = Math.min(g.step()[i] * g.lo(), g.step()[i] * g.hi()) + o, b = Math.max(g.step()[i] * g.lo(), g.step()[i] * g.hi()) + o;
            double outside = xi < a ? a - xi : xi > b ? xi - b : 0;
            double q = s == 0 ? 0 : Math.abs((y[i] - o) / s);
            double slack = (g.scaleRoundedAfter() ? 0 : (q + 0.5) * f16HalfUlp(g.step()[i])) + 8 * Math.ulp((float) Math.max(Math.abs(xi), Math.max(Math.abs(a), Math.abs(b))));
            double err = Math.abs(y[i] - xi);
            assertTrue(err <= outside + s / 2 + slack, () -> t + " " + what + " value " + (from + i) + ": x " + xi + " -> " + y[i]
                    + ", error " + err + " exceeds the format's error " + (outside + s / 2) + " (+ slack " + slack + ")");
            // and the value is on the grid: a whole level within [lo, hi]
            if (s > 0) assertTrue(Math.abs(q - Math.rint(q)) < 1e-3 && Math.rint(q) <= Math.max(-g.lo(), g.hi()),
                    () -> t + " " + what + " value " + (from + i) + " is not on its block's grid: level " + q);
        }
    }

    @Test void everyValueIsWithinTheFormatsErrorOfItsInput() {
        Random r = new Random(11);
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
            int n = t.format.blockSize();
            for (int trial = 0; trial < 400; trial++) {
                float[] x = new float[n];
                double scale = Math.pow(10, -8 + 12 * r.nextDouble());            // 1e-8 .. 1e4: subnormal to large binary16 scales
                int kind = trial % 4;
                for (int i = 0; i < n; i++) {
                    double g = r.nextGaussian();
                    x[i] = (float) (scale * switch (kind) {
                        case 0 -> g;
                        case 1 -> g * g * g;                                   // heavy tails
                        case 2 -> Math.abs(g) + 0.5;                           // all positive
                        default -> r.nextDouble() < 0.7 ? 0 : g;               // sparse
                    });
                }
                checkBlock(t, x, 0, "trial " + trial);
            }
        }
    }

    @Test void zeroBlocksStayZero() {
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
            float[] x = new float[t.format.blockSize()];
            byte[] p = new byte[t.format.blockBytes()];
            t.format.quantize(x, 0, p, 0);
            float[] y = new float[x.length];
            t.format.dequantize(p, 0, y, 0);
            for (float v : y) assertTrue(v == 0, t + ": a zero block dequantizes to " + v);
        }
    }
}
