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
 * @param clip            global gradient-norm clipping threshold; 0 disables clipping
 * @param distill         knowledge distillation from the original model ({@link DistillSettings#OFF}: none)
 */
public record TrainingSettings(double lr, int batch, int seqLen, int checkpointEvery, LoraConfig lora, double clip, DistillSettings distill) {
    /** Clipping at 1.0, no distillation. */
    public TrainingSettings(double lr, int batch, int seqLen, int checkpointEvery, LoraConfig lora) {
        this(lr, batch, seqLen, checkpointEvery, lora, 1.0, DistillSettings.OFF);
    }

    public TrainingSettings {
        if (!(clip >= 0) || Double.isInfinite(clip)) throw new IllegalArgumentException("training: clip " + clip + " must be a finite number >= 0");
        if (distill == null) distill = DistillSettings.OFF;
        if (!(lr > 0)) throw new IllegalArgumentException("training: lr " + lr + " must be positive");
        if (batch < 1 || seqLen < 2) throw new IllegalArgumentException("training: batch " + batch + " and seq_len " + seqLen + " out of range");
        if (checkpointEvery < 0) throw new IllegalArgumentException("training: checkpoint_every " + checkpointEvery + " must be >= 0");
        Objects.requireNonNull(lora, "lora");
    }

    public TrainingSettings withLr(double v) { return new TrainingSettings(v, batch, seqLen, checkpointEvery, lora, clip, distill); }

    public TrainingSettings withBatch(int v) { return new TrainingSettings(lr, v, seqLen, checkpointEvery, lora, clip, distill); }

    public TrainingSettings withSeqLen(int v) { return new TrainingSettings(lr, batch, v, checkpointEvery, lora, clip, distill); }

    public TrainingSettings withCheckpointEvery(int v) { return new TrainingSettings(lr, batch, seqLen, v, lora, clip, distill); }

    public TrainingSettings withClip(double v) { return new TrainingSettings(lr, batch, seqLen, checkpointEvery, lora, v, distill); }

    public TrainingSettings withDistill(DistillSettings v) { return new TrainingSettings(lr, batch, seqLen, checkpointEvery, lora, clip, v); }

    /** AdamW as every Shear training run uses it, with this clipping threshold. */
    public AdamWConfig adamw() { AdamWConfig d = AdamWConfig.defaults(); return new AdamWConfig(d.beta1(), d.beta2(), d.eps(), d.weightDecay(), clip); }

    public TrainingSettings withLora(LoraConfig v) { return new TrainingSettings(lr, batch, seqLen, checkpointEvery, v, clip, distill); }
}
