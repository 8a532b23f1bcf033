package dev.shear.plan;

import dev.shear.lora.LoraConfig;
import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;

/**
 * Element counts of what one decoder layer creates, op by op as the model code runs them: "every
 * tensor the forward creates", which bounds both one layer's untaped working set and (an upper bound
 * since the per-layer scopes) what autograd saves for backward; views (reshape, transpose, narrow)
 * cost nothing.
 */
final class LayerActivations {
    private final ModelConfig c;
    private final long b, t, n;
    private final LoraConfig lora;
    private final boolean dropout;

    /** @param lora adapters in the forward (null: plain projections); dropout counts only in training */
    LayerActivations(ModelConfig c, long batch, long seq, LoraConfig lora, boolean training) {
        this.c = c;
        this.b = batch;
        this.t = seq;
        this.n = batch * seq;
        this.lora = lora;
        this.dropout = training && lora != null && lora.dropout() > 0;
    }

    /** Everything layer i's forward creates (B, T, ·) tensors for, in elements. */
    long retained(int i) {
        LayerWidths w = c.layer(i);
        long d = c.hiddenSize();
        return c.architecture() == Architecture.NEOX ? neox(w, d, i) : llama(w, d, i);
    }

    private long llama(LayerWidths w, long d, int i) {
        long q = w.qDim(), kv = w.kvDim(), im = w.intermediateSize();
        long e = 2 * (3 * n * d + 3 * n) + 2 * n * d;                        // two RMSNorms, two residual adds
        if (w.numHeads() == 0) e += zeroBranch(d);
        else e += proj("q_proj", d, q) + proj("k_proj", d, kv) + proj("v_proj", d, kv) + proj("o_proj", q, d)
                + rope(w, i, q) + rope(w, i, kv) + attention(w) + n * q;        // merge_heads copies
        if (im == 0) e += zeroBranch(d);
        else e += proj("gate_proj", d, im) + proj("up_proj", d, im) + proj("down_proj", im, d) + 3 * n * im;   // silu, gate*up
        return e;
    }

    private long neox(LayerWidths w, long d, int i) {
        long q = w.qDim(), im = w.intermediateSize();
        long e = 2 * (5 * n * d + 4 * n) + 2 * n * d;                        // two LayerNorms, two residual adds
        if (w.numHeads() == 0) e += zeroBranch(d);
        else e += proj("query_key_value", d, 3 * q) + proj("dense", q, d) + 2 * rope(w, i, q) + attention(w) + n * q;
        if (im == 0) e += zeroBranch(d);
        else e += proj("dense_h_to_4h", d, im) + proj("dense_4h_to_h", im, d) + 5 * n * im;             // exact GELU
        return e;
    }

    /** Base output, plus for an adapter: dropout(x) and its noise, A x, B A x, its scaling and the sum. */
    private long proj(String leaf, long in, long out) {
        long e = n * out;
        if (lora == null || !lora.targets("m." + leaf)) return e;
        return e + 3 * n * out + (long) lora.rank() * n + (dropout ? 2 * n * in : 0);
    }

    /** RoPE on (B, H, T, hd): x*cos, -x2, concat, *sin, sum on the rotating dims; a concat when only some rotate. */
    private long rope(LayerWidths w, int i, long dim) {
        long heads = dim / w.headDim(), rd = c.rotaryDim(i);
        long e = 9 * n * heads * rd / 2;
        return rd == w.headDim() ? e : e + n * dim;
    }

    /** Scores, scaled, masked, softmax (B, H, T, T), output; repeated k and v under grouped queries. */
    private long attention(LayerWidths w) {
        long q = w.qDim();
        return 4 * b * w.numHeads() * t * t + n * q + (w.groupSize() > 1 ? 2 * n * q : 0);
    }

    private long zeroBranch(long d) { return (c.outputBias() ? 2 : 1) * n * d; }

    /** Gradients alive at once inside one layer's backward: attention scores and the widest activations. */
    long backwardTransient(int i) {
        LayerWidths w = c.layer(i);
        long d = c.hiddenSize();
        return 2 * b * w.numHeads() * t * t + 2 * n * Math.max(w.intermediateSize(), Math.max(w.qDim(), d)) + 2 * n * d;
    }

    /** Final norm, logits, log-softmax; a LoRA head adds its adapter terms. */
    long head() {
        long d = c.hiddenSize(), v = c.vocabSize();
        long norm = c.architecture() == Architecture.NEOX ? 5 * n * d + 4 * n : 3 * n * d + 3 * n;
        String leaf = c.architecture() == Architecture.NEOX ? "embed_out" : "lm_head";
        return norm + proj(leaf, d, v) + n * v + 4 * n;
    }

    /** dL/dlogp and dL/dlogits, both (B, T, V), plus the gradient flowing into the last layer. */
    long headBackwardTransient() { return 2 * n * c.vocabSize() + 2 * n * c.hiddenSize(); }

    /** The embedded tokens and the causal mask. */
    long embedding() { return n * c.hiddenSize() + t * t; }

    long layerOutput() { return n * c.hiddenSize(); }
}
