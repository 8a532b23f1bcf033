package dev.shear.prune;

import java.util.Arrays;

/**
 * Pruning methods, all on the same structures and the same compaction path. The LoRAShear variants
 * train while they prune; the others score once and cut.
 */
public enum Method {
    /** LHSPG as the paper states it, saliency from the current s·BA. */
    LORASHEAR_PAPER("lorashear-paper", true),
    /** LHSPG with the accumulated-update saliency (method.md 11.1). */
    LORASHEAR_ACCUMULATED("lorashear-accumulated", true),
    /** LHSPG whose selection uses Wanda-sp scores ranked per layer, the strongest one-shot signal (method.md 11.3). */
    LORASHEAR_ACTIVATION("lorashear-activation", true),
    /** LHSPG whose selection uses FLAP's fluctuation scores with per-layer standardised global ranking. */
    LORASHEAR_FLUCTUATION("lorashear-fluctuation", true),
    /** The released optimizer's behaviour: linear decay of W and B rows, no absorption or projection. */
    REFERENCE("reference", true),
    LORASHEAR_ONESHOT("lorashear-oneshot", false),
    LLM_PRUNER("llm-pruner", false),
    LLM_PRUNER_VECTOR("llm-pruner-vector", false),
    WANDA_SP("wanda-sp", false),
    FLAP("flap", false),
    MAGNITUDE("magnitude", false),
    RANDOM("random", false);

    /** What {@code --method lorashear} means: the best variant measured (docs/results.md). */
    public static final Method LORASHEAR_DEFAULT = LORASHEAR_ACTIVATION;

    private final String cliName;
    private final boolean progressive;

    Method(String cliName, boolean progressive) {
        this.cliName = cliName;
        this.progressive = progressive;
    }

    public String cliName() { return cliName; }

    /** True for the methods that prune during LoRA training (LHSPG). */
    public boolean progressive() { return progressive; }

    public boolean needsCalibration() {
        return this == WANDA_SP || this == FLAP || this == LLM_PRUNER || this == LLM_PRUNER_VECTOR || this == LORASHEAR_ACTIVATION
                || this == LORASHEAR_FLUCTUATION;
    }

    public static Method parse(String name) {
        if (name.equals("lorashear")) return LORASHEAR_DEFAULT;
        for (Method m : values()) if (m.cliName.equals(name)) return m;
        throw new IllegalArgumentException("unknown method '" + name + "'; expected lorashear or one of "
                + Arrays.stream(values()).map(Method::cliName).toList());
    }

    public Saliency saliency(long seed) {
        return switch (this) {
            case LORASHEAR_PAPER, LORASHEAR_ONESHOT, REFERENCE -> new LoraShearSaliency(false);
            case LORASHEAR_ACCUMULATED -> new LoraShearSaliency(true);
            case LORASHEAR_ACTIVATION, WANDA_SP -> new WandaSpSaliency();
            case LLM_PRUNER -> new TaylorSaliency(false);
            case LLM_PRUNER_VECTOR -> new TaylorSaliency(true);
            case FLAP, LORASHEAR_FLUCTUATION -> new FlapSaliency();
            case MAGNITUDE -> new MagnitudeSaliency();
            case RANDOM -> new RandomSaliency(seed);
        };
    }
}
