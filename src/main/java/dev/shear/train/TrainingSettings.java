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
    /** Far past what fits any machine, but small enough that batch x seq_len x vocab stays a long. */
    public static final int MAX_BATCH = 1 << 16, MAX_SEQ_LEN = 1 << 20;

    /** Clipping at 1.0, no distillation. */
    public TrainingSettings(double lr, int batch, int seqLen, int checkpointEvery, LoraConfig lora) {
        this(lr, batch, seqLen, checkpointEvery, lora, 1.0, DistillSettings.OFF);
    }

    public TrainingSettings {
        if (!(clip >= 0) || Double.isInfinite(clip)) throw new IllegalArgumentException("clip " + clip + " must be a finite number >= 0");
        if (distill == null) distill = DistillSettings.OFF;
        if (!(lr > 0 && Double.isFinite(lr))) throw new IllegalArgumentException("lr " + lr + " must be a positive number");
        if (batch < 1 || batch > MAX_BATCH) throw new IllegalArgumentException("batch " + batch + " must be in 1.." + MAX_BATCH);
        if (seqLen < 2 || seqLen > MAX_SEQ_LEN) throw new IllegalArgumentException("seq_len " + seqLen + " must be in 2.." + MAX_SEQ_LEN);
        if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint_every " + checkpointEvery + " must be >= 0");
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
