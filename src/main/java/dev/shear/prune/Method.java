package dev.shear.prune;

import java.util.Arrays;

/**
 * The pruning methods by name: the command line's vocabulary and the registry of their strategies.
 * All run on the same structures and the same compaction path; a new method is one
 * {@link PruningMethod} class and one line here.
 */
public enum Method {
    LORASHEAR_OBS(new LoraShearObsMethod()),
    LORASHEAR_PAPER(new LoraShearPaperMethod()),
    LORASHEAR_ACCUMULATED(new LoraShearAccumulatedMethod()),
    LORASHEAR_ACTIVATION(new LoraShearActivationMethod()),
    LORASHEAR_FLUCTUATION(new LoraShearFluctuationMethod()),
    REFERENCE(new ReferenceDecayMethod()),
    LORASHEAR_ONESHOT(new LoraShearOneShotMethod()),
    LLM_PRUNER(new LlmPrunerMethod(false)),
    LLM_PRUNER_VECTOR(new LlmPrunerMethod(true)),
    WANDA_SP(new WandaSpMethod()),
    FLAP(new FlapMethod()),
    MAGNITUDE(new MagnitudeMethod()),
    RANDOM(new RandomMethod());

    /** What {@code --method lorashear} means: the best variant measured (docs/results.md). */
    public static final Method LORASHEAR_DEFAULT = LORASHEAR_OBS;

    private final PruningMethod strategy;

    Method(PruningMethod strategy) { this.strategy = strategy; }

    public PruningMethod strategy() { return strategy; }

    public String cliName() { return strategy.name(); }

    /** True for the methods that prune during LoRA training (LHSPG). */
    public boolean progressive() { return strategy.progressive(); }

    /** By name; "lorashear" is {@link #LORASHEAR_DEFAULT}. */
    public static Method parse(String name) {
        if (name.equals("lorashear")) return LORASHEAR_DEFAULT;
        for (Method m : values()) if (m.cliName().equals(name)) return m;
        throw new IllegalArgumentException("unknown method '" + name + "'; expected lorashear or one of "
                + Arrays.stream(values()).map(Method::cliName).toList());
    }
}
