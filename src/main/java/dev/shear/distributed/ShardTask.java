package dev.shear.distributed;

import java.io.Serializable;

/**
 * The work done on one input, wherever it runs: it travels to the executor by Java serialization, so
 * it may hold only serialisable descriptions (paths, tokens, settings), never a loaded model.
 */
@FunctionalInterface
public interface ShardTask<I, O> extends Serializable {
    O run(I input);
}
