package dev.shear.model;

import dev.shear.engine.DType;
import dev.shear.engine.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * The additive attention biases of one forward pass: the causal one, and one per sliding window the
 * model's layers use (keys a window or more positions back hidden too). Built before the layers
 * run, in the pass's scope, so each layer only picks its own.
 */
final class AttentionMasks {
    private final Map<Integer, Tensor> byWindow = new HashMap<>();

    /**
     * @param t     new tokens per row
     * @param start position of the first new token (the cache length)
     * @param cache null, a plain cache, or a fork whose rows continue at their own positions
     */
    AttentionMasks(ModelConfig config, long t, int start, KvCache cache, DType dtype) {
        byWindow.put(0, bias(t, start, cache, dtype, 0));
        Features f = config.features();
        if (f.slidingWindow() > 0 && f.slidingLayers().contains(true)) byWindow.put(f.slidingWindow(), bias(t, start, cache, dtype, f.slidingWindow()));
    }

    private static Tensor bias(long t, int start, KvCache cache, DType dtype, int window) {
        boolean forked = cache != null && cache.forked();
        return forked ? Tensor.forkedCausalBias(cache.rowLengths(), start, t, dtype, window)   // (B, 1, T, start+T)
                : Tensor.causalBias(t, start + t, start, dtype, window);                       // (T, start+T)
    }

    /** The bias for a layer attending through {@code window} keys (0: the whole causal prefix). */
    Tensor of(int window) {
        Tensor b = byWindow.get(window);
        if (b == null) throw new IllegalStateException("no attention mask for window " + window);
        return b;
    }
}
