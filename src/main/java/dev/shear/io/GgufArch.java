package dev.shear.io;

/**
 * The llama.cpp architectures Shear writes. Both run the same LLaMA math on the same tensor
 * names; they differ in what per-layer widths llama.cpp accepts (see docs/llamacpp.md).
 */
public enum GgufArch {
    /** llama.cpp's "llama": every layer must match layer 0's shapes (uniform models only). */
    LLAMA("llama"),
    /** llama.cpp's "deci" (NVIDIA Nemotron): per-layer query heads, KV heads and MLP widths. */
    DECI("deci");

    /** The general.architecture value and the prefix of the hyperparameter keys. */
    public final String key;

    GgufArch(String key) { this.key = key; }

    static GgufArch of(String key, Object file) {
        for (GgufArch a : values()) if (a.key.equals(key)) return a;
        throw ShearFormatException.of(file, "general.architecture " + key, "llama or deci");
    }
}
