package dev.shear.model;

import dev.shear.engine.Tensor;

/** One decoder layer. */
interface Block {
    /**
     * @param x     (B, T, D) residual stream
     * @param start position of x's first token
     * @param bias  the pass's attention biases: (T, start+T), or (B, 1, T, start+T) for a forked cache
     */
    Tensor forward(Tensor x, int start, AttentionMasks bias, KvCache cache);

    /** Appends this layer's keys and values for x to the cache without computing its output (a prompt's last layer). */
    void fillCache(Tensor x, int start, KvCache cache);
}
