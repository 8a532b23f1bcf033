package dev.shear.io;

import dev.shear.model.ModelConfig;
import dev.shear.model.WeightNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp's tensor names, to and from the Hugging Face names Shear stores (after
 * {@link StoredTensors}: Phi-3's fused qkv_proj and gate_up_proj). The MLP's input norm is
 * llama.cpp's ffn_norm: post_attention_layernorm in LLaMA, pre_feedforward_layernorm in Gemma,
 * whose post_attention_layernorm is attn_post_norm ("post_attention_norm").
 */
final class GgufTensorNames {
    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");
    private static final Map<String, String> GLOBAL = Map.of(
            WeightNames.embedTokens(), "token_embd.weight",
            WeightNames.finalNorm(), "output_norm.weight",
            WeightNames.lmHead(), "output.weight");
    /** Tensors llama.cpp reads that Shear computes from the config: rotary factors. */
    static final String ROPE_FREQS = "rope_freqs.weight", ROPE_LONG = "rope_factors_long.weight", ROPE_SHORT = "rope_factors_short.weight";

    private GgufTensorNames() {}

    /** Per-layer parts of a config's tensors; weights and biases share the prefix. */
    private static Map<String, String> layerParts(ModelConfig c) {
        Map<String, String> m = new LinkedHashMap<>();
        boolean gemma = c.features().sandwichNorms();
        m.put("input_layernorm.", "attn_norm.");
        m.put("self_attn.q_proj.", "attn_q.");
        m.put("self_attn.k_proj.", "attn_k.");
        m.put("self_attn.v_proj.", "attn_v.");
        m.put("self_attn.qkv_proj.", "attn_qkv.");
        m.put("self_attn.o_proj.", "attn_output.");
        m.put("self_attn.q_norm.", "attn_q_norm.");
        m.put("self_attn.k_norm.", "attn_k_norm.");
        m.put("post_attention_layernorm.", gemma ? "post_attention_norm." : "ffn_norm.");
        if (gemma) {
            m.put("pre_feedforward_layernorm.", "ffn_norm.");
            m.put("post_feedforward_layernorm.", "post_ffw_norm.");
        }
        m.put("mlp.gate_proj.", "ffn_gate.");
        m.put("mlp.up_proj.", "ffn_up.");
        m.put("mlp.gate_up_proj.", "ffn_up.");
        m.put("mlp.down_proj.", "ffn_down.");
        return m;
    }

    /** The llama.cpp name of a stored (Hugging Face) tensor name. */
    static String toGguf(ModelConfig c, String hf) {
        String g = GLOBAL.get(hf);
        if (g != null) return g;
        Matcher m = HF_LAYER.matcher(hf);
        if (m.matches()) {
            for (Map.Entry<String, String> e : layerParts(c).entrySet())
                if (m.group(2).startsWith(e.getKey()))
                    return "blk." + m.group(1) + "." + e.getValue() + m.group(2).substring(e.getKey().length());
        }
        throw new IllegalArgumentException("gguf: no llama.cpp name for tensor " + hf);
    }

    /**
     * The stored name of a llama.cpp tensor name, or null when it is not one Shear knows.
     *
     * @param fused the file stores fused qkv / gate_up tensors (llama.cpp's phi3)
     */
    static String toHf(ModelConfig c, String gguf, boolean fused) {
        for (Map.Entry<String, String> e : GLOBAL.entrySet()) if (e.getValue().equals(gguf)) return e.getKey();
        Matcher m = GGUF_LAYER.matcher(gguf);
        if (!m.matches() || m.group(1).length() > 6) return null;
        String part = m.group(2);
        for (Map.Entry<String, String> e : layerParts(c).entrySet()) {
            boolean fusedPart = e.getKey().startsWith("self_attn.qkv_proj") || e.getKey().startsWith("mlp.gate_up_proj");
            boolean splitUp = e.getKey().startsWith("mlp.up_proj");
            if ((fusedPart && !fused) || (splitUp && fused) || !part.startsWith(e.getValue())) continue;
            String rest = part.substring(e.getValue().length());
            if (rest.equals("weight") || (rest.equals("bias") && !e.getKey().contains("norm")))
                return "model.layers." + Integer.parseInt(m.group(1)) + "." + e.getKey() + rest;
        }
        return null;
    }
}
