package dev.shear.model;

/**
 * The Hugging Face model families Shear reads and writes: the class a {@code config.json} names
 * and its {@code model_type}. Most run the LLaMA block with {@link Features} switched on; only
 * GPT-NeoX has its own block.
 */
public enum Family {
    LLAMA("LlamaForCausalLM", "llama"),
    MISTRAL("MistralForCausalLM", "mistral"),
    QWEN2("Qwen2ForCausalLM", "qwen2"),
    QWEN3("Qwen3ForCausalLM", "qwen3"),
    GEMMA2("Gemma2ForCausalLM", "gemma2"),
    /** Gemma 3's text model ({@code gemma3_text}); the multimodal Gemma3ForConditionalGeneration is not read. */
    GEMMA3("Gemma3ForCausalLM", "gemma3_text"),
    /** Stored with fused qkv_proj and gate_up_proj, held split so each projection can be pruned. */
    PHI3("Phi3ForCausalLM", "phi3"),
    GPT_NEOX("GPTNeoXForCausalLM", "gpt_neox");

    /** The class name in {@code architectures}. */
    public final String hfClass;
    public final String modelType;

    Family(String hfClass, String modelType) {
        this.hfClass = hfClass;
        this.modelType = modelType;
    }

    /** The family a config's class name or model_type names, or null. */
    public static Family of(String hfClassOrModelType) {
        for (Family f : values()) if (f.hfClass.equals(hfClassOrModelType) || f.modelType.equals(hfClassOrModelType)) return f;
        return null;
    }
}
