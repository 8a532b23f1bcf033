package dev.shear.model;

import java.util.LinkedHashMap;
import java.util.Map;

/** Hugging Face parameter names and the shapes a config requires (placeholder until io lands). */
public final class WeightNames {
    private WeightNames() {}

    public static Map<String, long[]> expectedShapes(ModelConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.hiddenSize();
        if (c.architecture() == Architecture.NEOX) {
            m.put("gpt_neox.embed_in.weight", new long[] {c.vocabSize(), d});
            for (int i = 0; i < c.numLayers(); i++) {
                LayerWidths w = c.layer(i);
                String p = "gpt_neox.layers." + i + ".";
                for (String n : new String[] {"input_layernorm", "post_attention_layernorm"}) {
                    m.put(p + n + ".weight", new long[] {d});
                    m.put(p + n + ".bias", new long[] {d});
                }
                m.put(p + "attention.query_key_value.weight", new long[] {3L * w.qDim(), d});
                m.put(p + "attention.query_key_value.bias", new long[] {3L * w.qDim()});
                m.put(p + "attention.dense.weight", new long[] {d, w.qDim()});
                m.put(p + "attention.dense.bias", new long[] {d});
                m.put(p + "mlp.dense_h_to_4h.weight", new long[] {w.intermediateSize(), d});
                m.put(p + "mlp.dense_h_to_4h.bias", new long[] {w.intermediateSize()});
                m.put(p + "mlp.dense_4h_to_h.weight", new long[] {d, w.intermediateSize()});
                m.put(p + "mlp.dense_4h_to_h.bias", new long[] {d});
            }
            m.put("gpt_neox.final_layer_norm.weight", new long[] {d});
            m.put("gpt_neox.final_layer_norm.bias", new long[] {d});
            m.put("embed_out.weight", new long[] {c.vocabSize(), d});
            return m;
        }
        m.put("model.embed_tokens.weight", new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numLayers(); i++) {
            LayerWidths w = c.layer(i);
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new long[] {d});
            proj(m, p + "self_attn.q_proj", w.qDim(), d, c.attentionBias());
            proj(m, p + "self_attn.k_proj", w.kvDim(), d, c.attentionBias());
            proj(m, p + "self_attn.v_proj", w.kvDim(), d, c.attentionBias());
            proj(m, p + "self_attn.o_proj", d, w.qDim(), c.outputBias());
            m.put(p + "post_attention_layernorm.weight", new long[] {d});
            proj(m, p + "mlp.gate_proj", w.intermediateSize(), d, c.mlpBias());
            proj(m, p + "mlp.up_proj", w.intermediateSize(), d, c.mlpBias());
            proj(m, p + "mlp.down_proj", d, w.intermediateSize(), c.outputBias());
        }
        m.put("model.norm.weight", new long[] {d});
        if (!c.tiedEmbeddings()) m.put("lm_head.weight", new long[] {c.vocabSize(), d});
        return m;
    }

    private static void proj(Map<String, long[]> m, String module, long out, long in, boolean bias) {
        m.put(module + ".weight", new long[] {out, in});
        if (bias) m.put(module + ".bias", new long[] {out});
    }
}
