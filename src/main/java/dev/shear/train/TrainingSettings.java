package dev.shear.train;

import dev.shear.lora.LoraConfig;
import java.util.Objects;

/**
 * How LoRA trains, for pruning-time training and for recovery alike.
 *
 * @param lr              peak learning rate
 * @param batch           sequences per step
 * @param seqLen          tokens per sequence (each row holds seqLen + 1 tokens: inputs and next-token targets)
 * @param checkpointEvery steps between checkpoints; 0 writes none
 * @param lora            where the adapters go and their rank, alpha and dropout (its seed is the run's)
 */
public record TrainingSettings(double lr, int batch, int seqLen, int checkpointEvery, LoraConfig lora) {
    public TrainingSettings {
        if (!(lr > 0)) throw new IllegalArgumentException("training: lr " + lr + " must be positive");
        if (batch < 1 || seqLen < 2) throw new IllegalArgumentException("training: batch " + batch + " and seq_len " + seqLen + " out of range");
        if (checkpointEvery < 0) throw new IllegalArgumentException("training: checkpoint_every " + checkpointEvery + " must be >= 0");
        Objects.requireNonNull(lora, "lora");
    }

    public TrainingSettings withLr(double v) { return new TrainingSettings(v, batch, seqLen, checkpointEvery, lora); }

    public TrainingSettings withBatch(int v) { return new TrainingSettings(lr, v, seqLen, checkpointEvery, lora); }

    public TrainingSettings withSeqLen(int v) { return new TrainingSettings(lr, batch, v, checkpointEvery, lora); }

    public TrainingSettings withCheckpointEvery(int v) { return new TrainingSettings(lr, batch, seqLen, v, lora); }

    public TrainingSettings withLora(LoraConfig v) { return new TrainingSettings(lr, batch, seqLen, checkpointEvery, v); }
}
