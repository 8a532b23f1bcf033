package dev.shear.train;

import dev.shear.data.TokenBatch;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;

/** What one training step minimises on one micro-batch. */
public interface TrainLoss {
    /**
     * @param step    0-based optimizer step (a precomputed teacher is looked up by it)
     * @param micro   index of the micro-batch within the step
     * @param logits  (B, T, V) student logits
     * @param targets (B, T) int64 next tokens
     * @param weights (B, T) 0/1 per target token
     */
    Tensor compute(StepScope s, long step, int micro, TokenBatch mb, Tensor logits, Tensor targets, Tensor weights);

    /** The language-modelling loss alone. */
    TrainLoss CROSS_ENTROPY = (s, step, micro, mb, logits, targets, weights) -> Ops.crossEntropy(logits, targets, weights);
}
