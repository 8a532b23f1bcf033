package dev.shear.engine;

import java.util.List;
import java.util.Map;

/**
 * Compound transformer ops. Each runs untraced inside and is recorded as ONE node, so the
 * dependency graph sees "rope" or "attention" rather than a dozen primitives.
 */
public final class Ops {
    private Ops() {}

    private interface Body { Tensor run(); }

    private static Tensor compound(String kind, Map<String, Object> attrs, Body body, Tensor... inputs) {
        TraceRecorder tr = Engine.tracer();
        if (tr == null) return body.run();
        Engine.stopTrace();
        Tensor out;
        try {
            out = body.run();
        } finally {
            Engine.startTrace(tr);
        }
        tr.record(kind, List.of(inputs), out, attrs);
        return out;
    }

    /** x * rsqrt(mean(x^2) + eps) * w over the last axis. */
    public static Tensor rmsNorm(Tensor x, Tensor w, double eps) { return rmsNorm(x, w, eps, false); }

    /** As {@link #rmsNorm(Tensor, Tensor, double)}; with {@code unitOffset} the scale is (1 + w), as Gemma stores it. */
    public static Tensor rmsNorm(Tensor x, Tensor w, double eps, boolean unitOffset) {
        return compound("rms_norm", Map.of("eps", eps, "unit_offset", unitOffset), () -> rms(x, w, eps, unitOffset), x, w);
    }

    /**
     * RMSNorm of each head of a (B, H, T, hd) tensor over its hd dimensions, with one (hd) weight
     * shared by all heads (Qwen3's and Gemma 3's q_norm and k_norm).
     */
    public static Tensor headRmsNorm(Tensor x, Tensor w, double eps, boolean unitOffset) {
        return compound("head_rms_norm", Map.of("eps", eps, "unit_offset", unitOffset), () -> rms(x, w, eps, unitOffset), x, w);
    }

    private static Tensor rms(Tensor x, Tensor w, double eps, boolean unitOffset) {
        Tensor normed = x.mul(x.square().mean(-1, true).add(eps).pow(-0.5));
        return unitOffset ? normed.add(normed.mul(w)) : normed.mul(w);          // x (1 + w) = x + x w
    }

    /** c * tanh(x / c): Gemma's soft-capping of logits. */
    public static Tensor softcap(Tensor x, double cap) {
        return compound("softcap", Map.of("cap", cap), () -> x.mul(1.0 / cap).tanh().mul(cap), x);
    }

    /** (x - mean) / sqrt(var + eps) * w + b over the last axis. */
    public static Tensor layerNorm(Tensor x, Tensor w, Tensor b, double eps) {
        return compound("layer_norm", Map.of("eps", eps), () -> {
            Tensor centered = x.sub(x.mean(-1, true));
            Tensor var = centered.square().mean(-1, true);
            return centered.mul(var.add(eps).pow(-0.5)).mul(w).add(b);
        }, x, w, b);
    }

    /** (B, T, H*hd) → (B, H, T, hd): channel range [h*hd, (h+1)*hd) becomes head h. */
    public static Tensor splitHeads(Tensor x, int heads, int headDim) {
        long b = x.dim(0), t = x.dim(1);
        return compound("split_heads", Map.of("heads", heads, "head_dim", headDim),
                () -> x.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3), x);
    }

    /** From a fused (B, T, H*3*hd) projection laid out per head as [q, k, v], part 0, 1 or 2 as (B, H, T, hd). */
    public static Tensor splitFusedHeads(Tensor x, int heads, int headDim, int part) {
        long b = x.dim(0), t = x.dim(1);
        return compound("split_fused_heads", Map.of("heads", heads, "head_dim", headDim, "part", part, "parts", 3),
                () -> x.reshape(b, t, heads, 3L * headDim).narrow(3, (long) part * headDim, headDim).transpose(0, 2, 1, 3), x);
    }

    /** (B, H, T, hd) → (B, T, H*hd). */
    public static Tensor mergeHeads(Tensor x) {
        long b = x.dim(0), h = x.dim(1), t = x.dim(2), hd = x.dim(3);
        return compound("merge_heads", Map.of("heads", (int) h, "head_dim", (int) hd),
                () -> x.transpose(0, 2, 1, 3).reshape(b, t, h * hd), x);
    }

    /**
     * Rotary position embedding on the first rotaryDim dims of each head; the rest pass through.
     *
     * @param x   (B, H, T, hd)
     * @param cos (T, rotaryDim/2) for the positions of x, or (B, 1, T, rotaryDim/2) per row
     * @param sin like cos
     */
    public static Tensor rope(Tensor x, Tensor cos, Tensor sin, boolean adjacent, int rotaryDim) {
        return compound("rope", Map.of("adjacent", adjacent, "rotary_dim", rotaryDim),
                () -> adjacent ? ropeAdjacent(x, cos, sin, rotaryDim) : ropeHalf(x, cos, sin, rotaryDim), x);
    }

    private static Tensor ropeHalf(Tensor x, Tensor cos, Tensor sin, int rd) {
        long hd = x.dim(3);
        Tensor rot = rd == hd ? x : x.narrow(3, 0, rd);
        Tensor x1 = rot.narrow(3, 0, rd / 2), x2 = rot.narrow(3, rd / 2, rd / 2);    // (B, H, T, rd/2)
        Tensor c = Tensor.concat(List.of(cos, cos), -1), s = Tensor.concat(List.of(sin, sin), -1); // (T, rd)
        Tensor rotated = rot.mul(c).add(Tensor.concat(List.of(x2.neg(), x1), -1).mul(s));
        return rd == hd ? rotated : Tensor.concat(List.of(rotated, x.narrow(3, rd, hd - rd)), -1);
    }

    private static Tensor ropeAdjacent(Tensor x, Tensor cos, Tensor sin, int rd) {
        long b = x.dim(0), h = x.dim(1), t = x.dim(2), hd = x.dim(3);
        Tensor rot = (rd == hd ? x : x.narrow(3, 0, rd)).reshape(b, h, t, rd / 2, 2);
        Tensor x0 = rot.narrow(4, 0, 1).reshape(b, h, t, rd / 2);       // even dims
        Tensor x1 = rot.narrow(4, 1, 1).reshape(b, h, t, rd / 2);       // odd dims
        Tensor o0 = x0.mul(cos).sub(x1.mul(sin));
        Tensor o1 = x0.mul(sin).add(x1.mul(cos));
        Tensor rotated = Tensor.concat(List.of(o0.reshape(b, h, t, rd / 2, 1), o1.reshape(b, h, t, rd / 2, 1)), 4)
                .reshape(b, h, t, rd);
        return rd == hd ? rotated : Tensor.concat(List.of(rotated, x.narrow(3, rd, hd - rd)), -1);
    }

    /**
     * Causal scaled dot-product attention with grouped-query sharing: query head h reads kv head
     * h / (H / Hkv). Only two (B, H, T, S) tensors are made, the scores and the probabilities: the
     * 1/sqrt(hd) scale goes on q and the bias is added in place. Each is freed as soon as the next op
     * has read it; under a gradient tape autograd keeps its own reference to what backward needs.
     *
     * @param q    (B, H, T, hd)
     * @param k    (B, Hkv, S, hd)
     * @param v    (B, Hkv, S, hd)
     * @param bias (T, S) additive mask, or (B, 1, T, S) per row
     * @return (B, H, T, hd)
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias) {
        return attention(q, k, v, bias, 1.0 / Math.sqrt(q.dim(3)), 0, 0);
    }

    /**
     * As {@link #attention(Tensor, Tensor, Tensor, Tensor)} with the score scale given, and with
     * {@code softcap} > 0 the scores soft-capped to softcap * tanh(s / softcap) before the mask (Gemma 2).
     *
     * @param window the sliding window the bias encodes (0: none); recorded for the trace, the bias does the masking
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor bias, double scale, double softcap, int window) {
        long h = q.dim(1), hkv = k.dim(1), hd = q.dim(3);
        long rep = h / hkv;
        Map<String, Object> attrs = Map.of("heads", (int) h, "kv_heads", (int) hkv, "head_dim", (int) hd, "scale", scale,
                "softcap", softcap, "window", window);
        return compound("attention", attrs, () -> {
            Tensor kk = rep == 1 ? k : k.repeatInterleave(1, rep);                    // (B, H, S, hd)
            Tensor vv = rep == 1 ? v : v.repeatInterleave(1, rep);
            Tensor kt = kk.swapAxes(2, 3);
            Tensor qs = q.mul(scale);                      // scale the (B, H, T, hd) query, not the (B, H, T, S) scores
            Tensor scores = qs.matmul(kt);                                             // (B, H, T, S)
            qs.free();
            if (softcap > 0) {
                Tensor capped = scores.mul(1.0 / softcap).tanh().mul(softcap);
                scores.free();
                scores = capped;
            }
            scores.addInPlace(bias);                       // no second (B, H, T, S) tensor
            Tensor probs = scores.softmax(-1);
            scores.free();
            Tensor out = probs.matmul(vv);
            probs.free();                                // the (B, H, T, S) tensors die here, not with the scope
            kt.free();
            if (kk != k) { kk.free(); vv.free(); }
            return out;
        }, q, k, v);
    }

    /**
     * Mean negative log-likelihood of targets under logits, counting only positions with weight 1.
     *
     * @param logits  (B, T, V)
     * @param targets (B, T) int64
     * @param weights (B, T) 0/1 in the logits' dtype
     */
    public static Tensor crossEntropy(Tensor logits, Tensor targets, Tensor weights) {
        return compound("cross_entropy", Map.of(), () -> {
            Tensor nll = tokenNll(logits, targets);                                  // (B, T)
            return nll.mul(weights).sum().div(weights.sum().maximum(1.0));
        }, logits);
    }

    /**
     * Knowledge distillation from a teacher's top-k logits: per token, the teacher's distribution
     * over its k highest tokens at temperature T (renormalised over those k), against the student's
     * full-vocabulary distribution at T read at the same tokens:
     * Σ_i p_i (ln p_i − ln q_{idx_i}), weighted mean over tokens, times T² (so the gradient's scale
     * does not shrink as T grows, as Hinton et al.). With k equal to the vocabulary this is the full KL.
     *
     * @param teacherValues  (B, T, k) teacher logits, no gradient
     * @param teacherIndices (B, T, k) int64 vocabulary ids of those logits
     * @param weights        (B, T) 0/1 per target token
     */
    public static Tensor distillation(Tensor studentLogits, Tensor teacherValues, Tensor teacherIndices, double temperature, Tensor weights) {
        return compound("distillation", Map.of("temperature", temperature), () -> {
            Tensor logP = teacherValues.mul(1.0 / temperature).logSoftmax(-1);              // (B, T, k)
            Tensor logQ = studentLogits.mul(1.0 / temperature).logSoftmax(-1).gather(teacherIndices, 2);   // (B, T, k)
            Tensor kl = logP.exp().mul(logP.sub(logQ)).sum(-1, false);                      // (B, T)
            return kl.mul(weights).sum().div(weights.sum().maximum(1.0)).mul(temperature * temperature);
        }, studentLogits, teacherValues, teacherIndices);
    }

    /** {@link #distillation} against the teacher's whole distribution, without top-k selection. */
    public static Tensor distillationFull(Tensor studentLogits, Tensor teacherLogits, double temperature, Tensor weights) {
        return compound("distillation", Map.of("temperature", temperature), () -> {
            Tensor logP = teacherLogits.mul(1.0 / temperature).logSoftmax(-1);              // (B, T, V)
            Tensor logQ = studentLogits.mul(1.0 / temperature).logSoftmax(-1);              // (B, T, V)
            Tensor kl = logP.exp().mul(logP.sub(logQ)).sum(-1, false);                      // (B, T)
            return kl.mul(weights).sum().div(weights.sum().maximum(1.0)).mul(temperature * temperature);
        }, studentLogits, teacherLogits);
    }

    /** Per-token negative log-likelihood (B, T). */
    public static Tensor tokenNll(Tensor logits, Tensor targets) {
        long b = targets.dim(0), t = targets.dim(1);
        Tensor logp = logits.logSoftmax(-1);                                        // (B, T, V)
        Tensor picked = logp.gather(targets.reshape(b, t, 1), 2);
        logp.free();                                    // vocabulary-sized; autograd keeps it if backward needs it
        return picked.reshape(b, t).neg();
    }

    public static Tensor dropout(Tensor x, double rate, boolean training) {
        if (!training || rate <= 0) return x;
        return x.dropout(rate);
    }
}
