package dev.shear.model;

/** The gate activation of a gated MLP: down(act(gate(x)) * up(x)). */
public enum Activation {
    /** x * sigmoid(x): SwiGLU (LLaMA, Mistral, Qwen, Phi-3). */
    SILU("silu"),
    /** GELU with the tanh approximation: GeGLU (Gemma's gelu_pytorch_tanh). */
    GELU_TANH("gelu_pytorch_tanh");

    /** The {@code hidden_act} / {@code hidden_activation} value in config.json. */
    public final String hfName;

    Activation(String hfName) { this.hfName = hfName; }
}
