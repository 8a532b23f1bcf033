package dev.shear.testing;

import dev.shear.engine.HostTensor;
import dev.shear.io.LoadedModel;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.WeightNames;
import dev.shear.model.WeightNames.Linear;
import java.util.Map;

/**
 * A plain-Java LLaMA forward pass that rounds every matrix product's input the way llama.cpp's CPU
 * backend does. llama.cpp multiplies a quantized weight with activations quantized to its
 * "vec_dot" type: Q8_0 (blocks of 32, binary16 scale max|x| / 127, levels rounded half to even
 * with the multiplier 127 / max|x|) for Q8_0, Q4_0 and Q5_0 weights; Q8_K (blocks of 256, binary32
 * scale -max / 127 of the signed largest value, levels nearest_int(x * -127 / max) capped at 127)
 * for Q4_K and Q6_K; binary16 for F16 weights; nothing for F32. Attention products run on the F32
 * KV cache and are not rounded. Everything else is double; the model is ADJACENT rotary (GGUF).
 *
 * <p>With {@link Activation#F32} everywhere this is the same model as Shear's engine; with the
 * file's types it is what llama.cpp computes, up to the order of float sums.
 */
public final class LlamaCppArithmetic {
    /** How a matrix product's input is rounded: llama.cpp's vec_dot type of the weight's ggml type. */
    public enum Activation {
        F32, F16, Q8_0, Q8_K;

        /** The activation rounding llama.cpp's CPU backend uses for a weight stored as {@code ggmlType} (F32, F16, Q8_0, ...). */
        public static Activation forWeight(String ggmlType) {
            return switch (ggmlType) {
                case "F32" -> F32;
                case "F16" -> F16;
                case "Q8_0", "Q4_0", "Q5_0" -> Q8_0;
                case "Q4_K", "Q6_K" -> Q8_K;
                default -> throw new IllegalArgumentException("no activation rule for " + ggmlType);
            };
        }

        float[] round(float[] x) {
            return switch (this) {
                case F32 -> x;
                case F16 -> f16(x);
                case Q8_0 -> q8_0(x);
                case Q8_K -> q8_K(x);
            };
        }
    }

    private LlamaCppArithmetic() {}



    /**
     * log P(ids[t+1] | ids[0..t]) for every t. {@code activation} gives each matrix's rounding by
     * its GGUF name ({@code blk.3.ffn_down.weight}, {@code output.weight}; with tied embeddings the
     * output uses {@code token_embd.weight}'s); missing names are F32.
     */
    public static double[] logprobs(LoadedModel m, Map<String, Activation> activation, int[] ids) {
        return logprobs(m, activation, ids, Sums.DOUBLE);
    }

    public static double[] logprobs(LoadedModel m, Map<String, Activation> activation, int[] ids, Sums sums) {
        ModelConfig c = m.config();
        if (c.ropeLayout() != RopeLayout.ADJACENT) throw new IllegalArgumentException("expects a model read from GGUF (ADJACENT rotary)");
        int d = c.hiddenSize(), n = ids.length;
        float[][] x = new float[n][];
        HostTensor embed = m.weights().get(WeightNames.embedTokens());
        for (int t = 0; t < n; t++) x[t] = java.util.Arrays.copyOfRange(embed.data(), ids[t] * d, (ids[t] + 1) * d);
        for (int i = 0; i < c.numLayers(); i++) {
            LayerWidths w = c.layer(i);
            if (w.numHeads() > 0) add(x, attention(m, i, rmsNorm(x, m.weights().get(WeightNames.inputNorm(i)), c.normEps()), activation, sums));
            add(x, mlp(m, i, rmsNorm(x, m.weights().get(WeightNames.postAttentionNorm(i)), c.normEps()), activation, sums));
        }
        float[][] h = rmsNorm(x, m.weights().get(WeightNames.finalNorm()), c.normEps());
        String out = c.tiedEmbeddings() ? "token_embd.weight" : "output.weight";
        HostTensor head = m.weights().get(c.tiedEmbeddings() ? WeightNames.embedTokens() : WeightNames.lmHead());
        double[] lp = new double[n - 1];
        for (int t = 0; t + 1 < n; t++) {
            float[] logits = matvec(head, null, act(activation, out).round(h[t]), sums);
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float v : logits) max = Math.max(max, v);
            for (float v : logits) sum += Math.exp(v - max);
            lp[t] = logits[ids[t + 1]] - max - Math.log(sum);
        }
        return lp;
    }

    private static Activation act(Map<String, Activation> a, String name) { return a.getOrDefault(name, Activation.F32); }

    private static float[][] attention(LoadedModel m, int i, float[][] x, Map<String, Activation> a, Sums sums) {
        ModelConfig c = m.config();
        LayerWidths w = c.layer(i);
        int n = x.length, hd = w.headDim(), group = w.groupSize();
        float[][] q = new float[n][], k = new float[n][], v = new float[n][];
        for (int t = 0; t < n; t++) {
            q[t] = rope(linear(m, Linear.Q, i, x[t], a, "attn_q", sums), t, hd, c.ropeTheta());
            k[t] = rope(linear(m, Linear.K, i, x[t], a, "attn_k", sums), t, hd, c.ropeTheta());
            v[t] = linear(m, Linear.V, i, x[t], a, "attn_v", sums);
        }
        float[][] out = new float[n][];
        double scale = 1.0 / Math.sqrt(hd);
        for (int t = 0; t < n; t++) {
            float[] o = new float[w.qDim()];
            for (int h = 0; h < w.numHeads(); h++) {
                int kvh = h / group;
                double[] s = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int u = 0; u <= t; u++) {
                    double dot = 0;
                    for (int e = 0; e < hd; e++) dot += (double) q[t][h * hd + e] * k[u][kvh * hd + e];
                    s[u] = dot * scale;
                    max = Math.max(max, s[u]);
                }
                for (int u = 0; u <= t; u++) sum += s[u] = Math.exp(s[u] - max);
                for (int e = 0; e < hd; e++) {
                    double acc = 0;
                    for (int u = 0; u <= t; u++) acc += s[u] / sum * v[u][kvh * hd + e];
                    o[h * hd + e] = (float) acc;
                }
            }
            out[t] = linear(m, Linear.O, i, o, a, "attn_output", sums);
        }
        return out;
    }

    private static float[][] mlp(LoadedModel m, int i, float[][] x, Map<String, Activation> a, Sums sums) {
        float[][] out = new float[x.length][];
        for (int t = 0; t < x.length; t++) {
            float[] g = linear(m, Linear.GATE, i, x[t], a, "ffn_gate", sums), u = linear(m, Linear.UP, i, x[t], a, "ffn_up", sums);
            float[] h = new float[g.length];
            for (int j = 0; j < g.length; j++) h[j] = (float) (g[j] / (1 + Math.exp(-g[j])) * u[j]);
            out[t] = linear(m, Linear.DOWN, i, h, a, "ffn_down", sums);
        }
        return out;
    }

    private static float[] linear(LoadedModel m, Linear l, int layer, float[] x, Map<String, Activation> a, String gguf, Sums sums) {
        return matvec(m.weights().get(l.weight(layer)), m.weights().get(l.bias(layer)), act(a, "blk." + layer + "." + gguf + ".weight").round(x), sums);
    }

    /**
     * How matrix products are summed. Both are valid implementations of the same arithmetic; they
     * differ only in float rounding, which is enough to send an activation at a rounding boundary
     * the other way (the tests use the pair to show how large that effect is).
     */
    public enum Sums { DOUBLE, FLOAT_REVERSED }

    /** y = W x (+ b), W row-major [out, in]. */
    private static float[] matvec(HostTensor w, HostTensor b, float[] x, Sums sums) {
        int out = (int) w.shape()[0], in = (int) w.shape()[1];
        float[] y = new float[out], wd = w.data();
        for (int r = 0; r < out; r++) {
            if (sums == Sums.FLOAT_REVERSED) {
                float acc = 0;
                for (int j = in - 1; j >= 0; j--) acc += wd[r * in + j] * x[j];
                y[r] = acc + (b == null ? 0 : b.data()[r]);
                continue;
            }
            double acc = b == null ? 0 : b.data()[r];
            for (int j = 0; j < in; j++) acc += (double) wd[r * in + j] * x[j];
            y[r] = (float) acc;
        }
        return y;
    }

    /** Rotary embedding on adjacent pairs (2i, 2i+1) of every head, llama.cpp's "norm" mode. */
    private static float[] rope(float[] v, int pos, int hd, double theta) {
        for (int h = 0; h < v.length / hd; h++)
            for (int i = 0; i < hd / 2; i++) {
                double ang = pos * Math.pow(theta, -2.0 * i / hd), cs = Math.cos(ang), sn = Math.sin(ang);
                int a = h * hd + 2 * i;
                double x0 = v[a], x1 = v[a + 1];
                v[a] = (float) (x0 * cs - x1 * sn);
                v[a + 1] = (float) (x0 * sn + x1 * cs);
            }
        return v;
    }

    private static float[][] rmsNorm(float[][] x, HostTensor weight, double eps) {
        float[][] out = new float[x.length][];
        for (int t = 0; t < x.length; t++) {
            double ss = 0;
            for (float v : x[t]) ss += (double) v * v;
            double s = 1.0 / Math.sqrt(ss / x[t].length + eps);
            out[t] = new float[x[t].length];
            for (int j = 0; j < x[t].length; j++) out[t][j] = (float) (x[t][j] * s * weight.data()[j]);
        }
        return out;
    }

    private static void add(float[][] x, float[][] y) {
        for (int t = 0; t < x.length; t++) for (int j = 0; j < x[t].length; j++) x[t][j] += y[t][j];
    }

    private static float[] f16(float[] x) {
        float[] y = new float[x.length];
        for (int j = 0; j < x.length; j++) y[j] = dev.shear.io.HalfFloats.f16ToFloat(dev.shear.io.HalfFloats.floatToF16(x[j]));
        return y;
    }

    /** ggml-cpu's quantize_row_q8_0 (x86): binary16 d = max|x| / 127, levels rint(x * 127 / max|x|). */
    private static float[] q8_0(float[] x) {
        float[] y = new float[x.length];
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0;
            for (int j = b; j < b + 32; j++) amax = Math.max(amax, Math.abs(x[j]));
            float d = dev.shear.io.HalfFloats.f16ToFloat(dev.shear.io.HalfFloats.floatToF16(amax / 127.f));
            float id = amax != 0 ? 127.f / amax : 0;
            for (int j = b; j < b + 32; j++) y[j] = (float) Math.rint(x[j] * id) * d;
        }
        return y;
    }

    /** ggml's quantize_row_q8_K: binary32 d = 1 / iscale with iscale = -127 / (the signed largest value). */
    private static float[] q8_K(float[] x) {
        float[] y = new float[x.length];
        for (int b = 0; b < x.length; b += 256) {
            float amax = 0, max = 0;
            for (int j = b; j < b + 256; j++)
                if (Math.abs(x[j]) > amax) {
                    amax = Math.abs(x[j]);
                    max = x[j];
                }
            if (amax == 0) continue;
            float iscale = -127.f / max, d = 1 / iscale;
            for (int j = b; j < b + 256; j++) y[j] = Math.min(127, (int) Math.rint(iscale * x[j])) * d;
        }
        return y;
    }
}
