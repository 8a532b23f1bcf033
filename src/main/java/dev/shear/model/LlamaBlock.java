package dev.shear.model;

import dev.shear.engine.Ops;
import dev.shear.engine.Tensor;
import dev.shear.model.WeightNames.Linear;
import java.util.List;

/**
 * RMSNorm → grouped-query attention with RoPE → residual; RMSNorm → gated MLP → residual. The
 * family's {@link Features} switch on per-head q/k norms, (1 + w) norms, norms after attention and
 * after the MLP, GeGLU, soft-capped scores and a sliding window: all as traced ops.
 */
final class LlamaBlock implements Block {
    private final CausalLm model;
    private final int layer;
    private final Features features;

    LlamaBlock(CausalLm model, int layer) {
        this.model = model;
        this.layer = layer;
        this.features = model.config().features();
    }

    @Override public Tensor forward(Tensor x, int start, AttentionMasks bias, KvCache cache) {
        Tensor h = x.add(after(attention(model.norm(x, WeightNames.inputNorm(layer)), start, bias, cache), WeightNames.postAttentionNorm(layer)));
        return h.add(after(mlp(model.norm(h, WeightNames.mlpInputNorm(model.config(), layer))), WeightNames.postFeedforwardNorm(layer)));
    }

    /** A branch's output through its own norm when the block has them (Gemma's sandwich norms). */
    private Tensor after(Tensor branch, String norm) {
        return features.sandwichNorms() ? model.norm(branch, norm) : branch;
    }

    @Override public void fillCache(Tensor x, int start, KvCache cache) {
        LayerWidths w = model.config().layer(layer);
        if (w.numHeads() == 0) return;
        Tensor[] kv = keysValues(model.norm(x, WeightNames.inputNorm(layer)), w);
        cache.append(layer, model.rope(kv[0], start, cache, layer), kv[1]);
    }

    private Tensor attention(Tensor x, int start, AttentionMasks bias, KvCache cache) {
        LayerWidths w = model.config().layer(layer);
        Projection o = projection(Linear.O);
        if (w.numHeads() == 0) return model.zeroBranch(x, o);
        Tensor q = Ops.splitHeads(projection(Linear.Q).forward(x), w.numHeads(), w.headDim());    // (B, H, T, hd)
        if (features.qkNorm()) q = headNorm(q, WeightNames.queryNorm(layer));
        Tensor[] kv = keysValues(x, w);
        q = model.rope(q, start, cache, layer);
        Tensor k = model.rope(kv[0], start, cache, layer), v = kv[1];
        if (cache != null) {
            List<Tensor> past = cache.append(layer, k, v);
            k = past.get(0);
            v = past.get(1);
        }
        int window = features.sliding(layer) ? features.slidingWindow() : 0;
        Tensor out = Ops.attention(q, k, v, bias.of(window), features.attentionScale(w.headDim()), features.attnSoftcap(), window);
        return o.forward(Ops.mergeHeads(out));                                                      // (B, T, D)
    }

    /** Keys and values (B, Hkv, T, hd) before rotation; keys normed per head where the family does. */
    private Tensor[] keysValues(Tensor x, LayerWidths w) {
        Tensor k = Ops.splitHeads(projection(Linear.K).forward(x), w.numKvHeads(), w.headDim());
        if (features.qkNorm()) k = headNorm(k, WeightNames.keyNorm(layer));
        return new Tensor[] {k, Ops.splitHeads(projection(Linear.V).forward(x), w.numKvHeads(), w.headDim())};
    }

    private Tensor headNorm(Tensor heads, String weight) {
        return Ops.headRmsNorm(heads, model.param(weight), model.config().normEps(), features.unitOffsetNorms());
    }

    private Tensor mlp(Tensor x) {
        Projection down = projection(Linear.DOWN);
        if (model.config().layer(layer).intermediateSize() == 0) return model.zeroBranch(x, down);
        Tensor gate = projection(Linear.GATE).forward(x);                                             // (B, T, I)
        gate = features.activation() == Activation.GELU_TANH ? gate.geluTanh() : gate.silu();
        return down.forward(gate.mul(projection(Linear.UP).forward(x)));
    }

    private Projection projection(Linear which) {
        String w = which.weight(layer);
        return model.projection(w.substring(0, w.length() - ".weight".length()));
    }
}
