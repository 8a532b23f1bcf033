package dev.shear.io;

import dev.shear.model.Family;
import java.util.Arrays;
import java.util.List;

/**
 * The llama.cpp architectures Shear writes (see docs/llamacpp.md). llama and deci run the LLaMA
 * block (deci with per-layer widths); the others are the families' own graphs, each with one width
 * for all layers. llama and deci rotate adjacent pairs, so q/k rows are permuted for them; the
 * others rotate halves, as Hugging Face stores them.
 */
public enum GgufArch {
    /** llama.cpp's "llama": every layer must match layer 0's shapes (uniform models only). */
    LLAMA("llama", true),
    /** llama.cpp's "deci" (NVIDIA Nemotron): per-layer query heads, KV heads and MLP widths. */
    DECI("deci", true),
    /** Qwen2 (q/k/v biases); llama.cpp sizes q and o by hidden_size, so all heads must be there. */
    QWEN2("qwen2", false),
    /** Qwen3: per-head q/k norms. */
    QWEN3("qwen3", false),
    /** Gemma 2: (1 + w) norms stored as 1 + w, sandwich norms, soft-caps, alternating sliding layers. */
    GEMMA2("gemma2", false),
    /** Gemma 3 text: as Gemma 2 with q/k norms, no attention soft-cap, a local rotary base. */
    GEMMA3("gemma3", false),
    /** Phi-3: fused qkv and gate/up tensors, LongRoPE factors; q and o sized by hidden_size. */
    PHI3("phi3", false);

    /** The general.architecture value and the prefix of the hyperparameter keys. */
    public final String key;
    /** Rotates adjacent pairs (llama.cpp's NORM rope type): q/k rows are stored permuted. */
    final boolean adjacentRope;

    GgufArch(String key, boolean adjacentRope) {
        this.key = key;
        this.adjacentRope = adjacentRope;
    }

    /** Whether llama.cpp runs per-layer widths under this architecture. */
    public boolean perLayerWidths() { return this == DECI; }

    /** The family's own architecture, or null when it only maps onto llama / deci. */
    public static GgufArch of(Family f) {
        return switch (f) {
            case QWEN2 -> QWEN2;
            case QWEN3 -> QWEN3;
            case GEMMA2 -> GEMMA2;
            case GEMMA3 -> GEMMA3;
            case PHI3 -> PHI3;
            default -> null;
        };
    }

    /** The family a file of this architecture holds, when the file does not say. */
    Family family() {
        return switch (this) {
            case LLAMA, DECI -> Family.LLAMA;
            case QWEN2 -> Family.QWEN2;
            case QWEN3 -> Family.QWEN3;
            case GEMMA2 -> Family.GEMMA2;
            case GEMMA3 -> Family.GEMMA3;
            case PHI3 -> Family.PHI3;
        };
    }

    static List<String> keys() { return Arrays.stream(values()).map(a -> a.key).toList(); }

    static GgufArch of(String key, Object file) {
        for (GgufArch a : values()) if (a.key.equals(key)) return a;
        throw ShearFormatException.of(file, "general.architecture " + key, "one of " + keys());
    }

    /** Parses --arch. */
    public static GgufArch parse(String s) {
        for (GgufArch a : values()) if (a.key.equals(s)) return a;
        throw new IllegalArgumentException("--arch " + s + ": expected auto or one of " + keys());
    }
}
