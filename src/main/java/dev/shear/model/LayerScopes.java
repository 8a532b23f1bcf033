package dev.shear.model;

import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import java.util.List;

/**
 * Runs decoder layers one scope each, so a layer's temporaries are freed when it returns and only
 * its output (B, T, D) moves out. Under a gradient tape libtorch's autograd holds its own reference
 * to whatever backward needs; closing the Java handles frees only what nothing else refers to.
 */
final class LayerScopes {
    private LayerScopes() {}

    /**
     * @param x    (B, T, D) the input of block {@code from}; kept (the caller owns it)
     * @param from the first block to run
     * @param to   one past the last block to run
     * @return (B, T, D) the last run layer's output (x itself when none runs), in the caller's scope
     */
    static Tensor forward(List<Block> blocks, int from, int to, Tensor x, int start, AttentionMasks bias, KvCache cache) {
        StepScope here = Engine.scope();
        Tensor h = x;
        for (int i = from; i < to; i++) {
            Tensor next;
            try (StepScope layer = Engine.openScope()) {
                next = blocks.get(i).forward(h, start, bias, cache).moveTo(here);   // (B, T, D)
            }
            if (h != x) h.free();
            h = next;
        }
        return h;
    }
}
