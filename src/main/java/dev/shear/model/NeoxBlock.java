package dev.shear.model;

import dev.shear.engine.Ops;
import dev.shear.engine.Tensor;
import java.util.List;

/** GPT-NeoX: x + attn(ln1(x)) + mlp(ln2(x)) with parallel residual, or sequential when disabled. */
final class NeoxBlock implements Block {
    private final CausalLm model;
    private final int layer;
    private final String prefix;

    NeoxBlock(CausalLm model, int layer) {
        this.model = model;
        this.layer = layer;
        this.prefix = "gpt_neox.layers." + layer + ".";
    }

    @Override public Tensor forward(Tensor x, int start, AttentionMasks bias, KvCache cache) {
        Tensor a = attention(norm(x, "input_layernorm"), start, bias, cache);
        if (model.config().parallelResidual()) return x.add(a).add(mlp(norm(x, "post_attention_layernorm")));
        Tensor h = x.add(a);
        return h.add(mlp(norm(h, "post_attention_layernorm")));
    }

    private Tensor norm(Tensor x, String which) {
        return Ops.layerNorm(x, model.param(prefix + which + ".weight"), model.param(prefix + which + ".bias"), model.config().normEps());
    }

    @Override public void fillCache(Tensor x, int start, KvCache cache) {
        LayerWidths w = model.config().layer(layer);
        if (w.numHeads() == 0) return;
        Tensor qkv = model.projection(prefix + "attention.query_key_value").forward(norm(x, "input_layernorm"));   // (B, T, H*3*hd)
        Tensor k = model.rope(Ops.splitFusedHeads(qkv, w.numHeads(), w.headDim(), 1), start, cache, layer);      // (B, H, T, hd)
        cache.append(layer, k, Ops.splitFusedHeads(qkv, w.numHeads(), w.headDim(), 2));
    }

    private Tensor attention(Tensor x, int start, AttentionMasks bias, KvCache cache) {
        LayerWidths w = model.config().layer(layer);
        Projection dense = model.projection(prefix + "attention.dense");
        if (w.numHeads() == 0) return model.zeroBranch(x, dense);
        Tensor qkv = model.projection(prefix + "attention.query_key_value").forward(x);  // (B, T, H*3*hd)
        Tensor q = Ops.splitFusedHeads(qkv, w.numHeads(), w.headDim(), 0);             // (B, H, T, hd)
        Tensor k = Ops.splitFusedHeads(qkv, w.numHeads(), w.headDim(), 1);
        Tensor v = Ops.splitFusedHeads(qkv, w.numHeads(), w.headDim(), 2);
        q = model.rope(q, start, cache, layer);
        k = model.rope(k, start, cache, layer);
        if (cache != null) {
            List<Tensor> kv = cache.append(layer, k, v);
            k = kv.get(0);
            v = kv.get(1);
        }
        return dense.forward(Ops.mergeHeads(Ops.attention(q, k, v, bias.of(0))));
    }

    private Tensor mlp(Tensor x) {
        Projection out = model.projection(prefix + "mlp.dense_4h_to_h");
        if (model.config().layer(layer).intermediateSize() == 0) return model.zeroBranch(x, out);
        return out.forward(model.projection(prefix + "mlp.dense_h_to_4h").forward(x).gelu());
    }
}
