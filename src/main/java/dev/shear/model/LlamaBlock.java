package dev.shear.model;

import dev.shear.engine.Ops;
import dev.shear.engine.Tensor;
import java.util.List;

/** RMSNorm → grouped-query attention with RoPE → residual; RMSNorm → SwiGLU MLP → residual. */
final class LlamaBlock implements Block {
    private final CausalLm model;
    private final int layer;
    private final String prefix;

    LlamaBlock(CausalLm model, int layer) {
        this.model = model;
        this.layer = layer;
        this.prefix = "model.layers." + layer + ".";
    }

    @Override public Tensor forward(Tensor x, int start, Tensor bias, KvCache cache) {
        double eps = model.config().normEps();
        Tensor h = x.add(attention(Ops.rmsNorm(x, model.param(prefix + "input_layernorm.weight"), eps), start, bias, cache));
        return h.add(mlp(Ops.rmsNorm(h, model.param(prefix + "post_attention_layernorm.weight"), eps)));
    }

    @Override public void fillCache(Tensor x, int start, KvCache cache) {
        LayerWidths w = model.config().layer(layer);
        if (w.numHeads() == 0) return;
        Tensor[] kv = keysValues(Ops.rmsNorm(x, model.param(prefix + "input_layernorm.weight"), model.config().normEps()), w);
        cache.append(layer, model.rope(kv[0], start, cache, layer), kv[1]);
    }

    private Tensor attention(Tensor x, int start, Tensor bias, KvCache cache) {
        LayerWidths w = model.config().layer(layer);
        Projection o = model.projection(prefix + "self_attn.o_proj");
        if (w.numHeads() == 0) return model.zeroBranch(x, o);
        Tensor q = Ops.splitHeads(model.projection(prefix + "self_attn.q_proj").forward(x), w.numHeads(), w.headDim());   // (B, H, T, hd)
        Tensor[] kv = keysValues(x, w);
        q = model.rope(q, start, cache, layer);
        Tensor k = model.rope(kv[0], start, cache, layer), v = kv[1];
        if (cache != null) {
            List<Tensor> past = cache.append(layer, k, v);
            k = past.get(0);
            v = past.get(1);
        }
        return o.forward(Ops.mergeHeads(Ops.attention(q, k, v, bias)));                 // (B, T, D)
    }

    /** Keys and values (B, Hkv, T, hd) before rotation. */
    private Tensor[] keysValues(Tensor x, LayerWidths w) {
        return new Tensor[] {
            Ops.splitHeads(model.projection(prefix + "self_attn.k_proj").forward(x), w.numKvHeads(), w.headDim()),
            Ops.splitHeads(model.projection(prefix + "self_attn.v_proj").forward(x), w.numKvHeads(), w.headDim())};
    }

    private Tensor mlp(Tensor x) {
        Projection down = model.projection(prefix + "mlp.down_proj");
        if (model.config().layer(layer).intermediateSize() == 0) return model.zeroBranch(x, down);
        Tensor gate = model.projection(prefix + "mlp.gate_proj").forward(x).silu();     // (B, T, I)
        Tensor up = model.projection(prefix + "mlp.up_proj").forward(x);
        return down.forward(gate.mul(up));
    }
}
