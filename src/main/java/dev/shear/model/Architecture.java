package dev.shear.model;

/** Block families Shear runs. LLAMA covers LLaMA, Mistral and Qwen2 checkpoints. */
public enum Architecture {
    /** RMSNorm, rotary q/k, grouped-query attention, SwiGLU MLP, sequential residual. */
    LLAMA,
    /** GPT-NeoX / Pythia: LayerNorm with bias, fused per-head QKV, partial rotary, GELU MLP, parallel residual. */
    NEOX
}
