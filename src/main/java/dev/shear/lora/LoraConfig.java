package dev.shear.lora;

import java.util.List;
import java.util.Set;

/**
 * Where and how adapters go. Targets are short projection names (q, k, v, o, gate, up, down; for
 * NeoX qkv, dense, h_to_4h, 4h_to_h).
 *
 * @param alpha scale numerator: the update is (alpha / rank) * B A x
 */
public record LoraConfig(List<String> targets, int rank, double alpha, double dropout, long seed) implements java.io.Serializable {
    public static final List<String> PRUNING_TARGETS = List.of("q", "k", "v", "o", "gate", "up");
    public static final List<String> ALL_TARGETS = List.of("q", "k", "v", "o", "gate", "up", "down");
    private static final Set<String> KNOWN = Set.of("q", "k", "v", "o", "gate", "up", "down", "qkv", "dense", "h_to_4h", "4h_to_h", "lm_head");

    public LoraConfig {
        if (targets == null || targets.stream().anyMatch(java.util.Objects::isNull)) throw new IllegalArgumentException("targets " + targets + " must list projection names");
        targets = List.copyOf(targets);
        for (String t : targets)
            if (!KNOWN.contains(t)) throw new IllegalArgumentException("targets: '" + t + "' is not one of " + new java.util.TreeSet<>(KNOWN));
        if (rank < 1 || rank > 1 << 16) throw new IllegalArgumentException("rank " + rank + " must be in 1..65536");
        if (!(alpha > 0 && Double.isFinite(alpha))) throw new IllegalArgumentException("alpha " + alpha + " must be a positive number");
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout " + dropout + " must be in [0, 1)");
    }

    /** The paper's pruning-time setting: r 8, alpha 16, dropout 0.05 on q, k, v, o, gate, up. */
    public static LoraConfig paperDefaults(long seed) { return new LoraConfig(PRUNING_TARGETS, 8, 16, 0.05, seed); }

    public double scale() { return alpha / rank; }

    /** The same adapters initialised from another seed (each recovery round, the instruction stage). */
    public LoraConfig withSeed(long s) { return new LoraConfig(targets, rank, alpha, dropout, s); }

    /** True if a module name (e.g. model.layers.0.self_attn.q_proj) is targeted. */
    public boolean targets(String module) {
        String leaf = module.substring(module.lastIndexOf('.') + 1);
        String shortName = switch (leaf) {
            case "q_proj" -> "q"; case "k_proj" -> "k"; case "v_proj" -> "v"; case "o_proj" -> "o";
            case "gate_proj" -> "gate"; case "up_proj" -> "up"; case "down_proj" -> "down";
            case "query_key_value" -> "qkv"; case "dense" -> "dense";
            case "dense_h_to_4h" -> "h_to_4h"; case "dense_4h_to_h" -> "4h_to_h";
            default -> leaf;
        };
        return targets.contains(shortName);
    }
}
