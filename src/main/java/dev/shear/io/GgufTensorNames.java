package dev.shear.io;

import dev.shear.model.WeightNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** llama.cpp's tensor names for the LLaMA family, to and from Shear's Hugging Face names. */
final class GgufTensorNames {
    private static final Pattern HF_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");
    private static final Map<String, String> GLOBAL = Map.of(
            WeightNames.embedTokens(), "token_embd.weight",
            WeightNames.finalNorm(), "output_norm.weight",
            WeightNames.lmHead(), "output.weight");
    /** Per-layer parts; weights and biases share the prefix. */
    private static final Map<String, String> LAYER = new LinkedHashMap<>();

    static {
        LAYER.put("input_layernorm.", "attn_norm.");
        LAYER.put("self_attn.q_proj.", "attn_q.");
        LAYER.put("self_attn.k_proj.", "attn_k.");
        LAYER.put("self_attn.v_proj.", "attn_v.");
        LAYER.put("self_attn.o_proj.", "attn_output.");
        LAYER.put("post_attention_layernorm.", "ffn_norm.");
        LAYER.put("mlp.gate_proj.", "ffn_gate.");
        LAYER.put("mlp.up_proj.", "ffn_up.");
        LAYER.put("mlp.down_proj.", "ffn_down.");
    }

    private GgufTensorNames() {}

    /** The llama.cpp name of a Shear (Hugging Face) tensor name. */
    static String toGguf(String hf) {
        String g = GLOBAL.get(hf);
        if (g != null) return g;
        Matcher m = HF_LAYER.matcher(hf);
        if (m.matches()) {
            for (Map.Entry<String, String> e : LAYER.entrySet())
                if (m.group(2).startsWith(e.getKey()))
                    return "blk." + m.group(1) + "." + e.getValue() + m.group(2).substring(e.getKey().length());
        }
        throw new IllegalArgumentException("gguf: no llama.cpp name for tensor " + hf);
    }

    /** The Shear name of a llama.cpp tensor name, or null when it is not a LLaMA tensor Shear knows. */
    static String toHf(String gguf) {
        for (Map.Entry<String, String> e : GLOBAL.entrySet()) if (e.getValue().equals(gguf)) return e.getKey();
        Matcher m = GGUF_LAYER.matcher(gguf);
        if (!m.matches() || m.group(1).length() > 6) return null;
        for (Map.Entry<String, String> e : LAYER.entrySet()) {
            String part = m.group(2);
            if (part.startsWith(e.getValue())) {
                String rest = part.substring(e.getValue().length());
                if (rest.equals("weight") || (rest.equals("bias") && !e.getKey().contains("layernorm")))
                    return "model.layers." + Integer.parseInt(m.group(1)) + "." + e.getKey() + rest;
            }
        }
        return null;
    }
}
