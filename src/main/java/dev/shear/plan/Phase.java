package dev.shear.plan;

import dev.shear.lora.LoraConfig;
import java.util.List;

/**
 * One memory-relevant part of a pipeline stage: a forward pass without a gradient tape, or a LoRA
 * training step. Targets and dropout are the stages' defaults (PruneSettings, RecoverySettings).
 *
 * @param snapshotsBase the stage keeps an fp32 host copy of every base weight (LHSPG's initial weights)
 */
public enum Phase {
    KDA("KDA", "perplexity probes on the masked base model", false, List.of(), false),
    LHSPG("LHSPG", "LoRA training on q,k,v,o,gate,up with projections", true, LoraConfig.PRUNING_TARGETS, true),
    RECOVERY("recovery", "LoRA training on every projection", true, LoraConfig.ALL_TARGETS, false),
    EVALUATION("evaluation", "perplexity forward, adapters merged", false, List.of(), false);

    private final String label;
    private final String description;
    private final boolean training;
    private final List<String> targets;
    private final boolean snapshotsBase;

    Phase(String label, String description, boolean training, List<String> targets, boolean snapshotsBase) {
        this.label = label;
        this.description = description;
        this.training = training;
        this.targets = targets;
        this.snapshotsBase = snapshotsBase;
    }

    public String label() { return label; }

    public String description() { return description; }

    public boolean training() { return training; }

    public boolean snapshotsBase() { return snapshotsBase; }

    /** The stage default: rank 8, alpha 16, dropout 0.05 on this phase's targets; null for forward-only phases. */
    public LoraConfig defaultLora(int rank) {
        return training ? new LoraConfig(targets, rank, 2.0 * rank, 0.05, 0) : null;
    }
}
