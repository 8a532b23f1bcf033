package dev.shear.plan;

import dev.shear.lora.LoraConfig;
import java.util.List;

/**
 * One memory-relevant part of a pipeline stage: a forward pass without a gradient tape, or a LoRA
 * training step. Targets and dropout are the stages' defaults (PruneSettings, RecoverySettings).
 *
 * @param hostCopies fp32 copies of every base weight the stage holds on the Java heap at its peak: KDA
 *                   scores structures on one (ScoringContext); LHSPG keeps the weights at the start of
 *                   pruning (its accumulated-update saliency) and builds a fresh scoring copy beside them
 *                   at each period start
 * @param reference  the stage also holds the unpruned reference model on the device (recovery measures
 *                   the perplexity gaps against it); counted at the planned config's size and base dtype
 */
public enum Phase {
    KDA("KDA", "perplexity probes on the masked base model", false, List.of(), 1, false),
    LHSPG("LHSPG", "LoRA training on q,k,v,o,gate,up with projections", true, LoraConfig.PRUNING_TARGETS, 2, false),
    RECOVERY("recovery", "LoRA training on every projection, beside the unpruned reference model", true, LoraConfig.ALL_TARGETS, 0, true),
    EVALUATION("evaluation", "perplexity forward, adapters merged", false, List.of(), 0, false),
    /** What {@code shear bench memory} measures: LoRA steps on every projection, nothing else loaded. */
    LORA_STEP("LoRA step", "LoRA training on every projection", true, LoraConfig.ALL_TARGETS, 0, false);

    private final String label;
    private final String description;
    private final boolean training;
    private final List<String> targets;
    private final int hostCopies;
    private final boolean reference;

    Phase(String label, String description, boolean training, List<String> targets, int hostCopies, boolean reference) {
        this.label = label;
        this.description = description;
        this.training = training;
        this.targets = targets;
        this.hostCopies = hostCopies;
        this.reference = reference;
    }

    public String label() { return label; }

    public String description() { return description; }

    public boolean training() { return training; }

    public int hostCopies() { return hostCopies; }

    public boolean reference() { return reference; }

    /** The stage default: rank 8, alpha 16, dropout 0.05 on this phase's targets; null for forward-only phases. */
    public LoraConfig defaultLora(int rank) {
        return training ? new LoraConfig(targets, rank, 2.0 * rank, 0.05, 0) : null;
    }
}
