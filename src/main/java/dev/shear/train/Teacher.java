package dev.shear.train;

import dev.shear.data.TokenBatch;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;

/** The teacher's view of a micro-batch: its top-k logits per position, or its whole distribution. */
public interface Teacher {
    /**
     * @param values  (B, T, k) logits, or (B, T, V) for the whole distribution
     * @param indices (B, T, k) int64 vocabulary ids, or null with the whole distribution
     */
    record Targets(Tensor values, Tensor indices) {
        public boolean full() { return indices == null; }
    }

    Targets targets(StepScope s, long step, int micro, TokenBatch mb);
}
