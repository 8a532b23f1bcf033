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
    /** Far past what fits any machine, but small enough that batch x seq_len x vocab stays a long. */
    public static final int MAX_BATCH = 1 << 16, MAX_SEQ_LEN = 1 << 20;

    public TrainingSettings {
        if (!(lr > 0 && Double.isFinite(lr))) throw new IllegalArgumentException("lr " + lr + " must be a positive number");
        if (batch < 1 || batch > MAX_BATCH) throw new IllegalArgumentException("batch " + batch + " must be in 1.." + MAX_BATCH);
        if (seqLen < 2 || seqLen > MAX_SEQ_LEN) throw new IllegalArgumentException("seq_len " + seqLen + " must be in 2.." + MAX_SEQ_LEN);
        if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint_every " + checkpointEvery + " must be >= 0");
        Objects.requireNonNull(lora, "lora");
    }

    public TrainingSettings withLr(double v) { return new TrainingSettings(v, batch, seqLen, checkpointEvery, lora); }

    public TrainingSettings withBatch(int v) { return new TrainingSettings(lr, v, seqLen, checkpointEvery, lora); }

    public TrainingSettings withSeqLen(int v) { return new TrainingSettings(lr, batch, v, checkpointEvery, lora); }

    public TrainingSettings withCheckpointEvery(int v) { return new TrainingSettings(lr, batch, seqLen, v, lora); }

    public TrainingSettings withLora(LoraConfig v) { return new TrainingSettings(lr, batch, seqLen, checkpointEvery, v); }
}
