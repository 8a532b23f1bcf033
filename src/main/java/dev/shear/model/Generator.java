package dev.shear.model;

import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import java.util.Arrays;
import java.util.function.IntPredicate;

/** Autoregressive decoding with a KV cache: the prompt in one pass, then one token per step. */
public final class Generator {
    private Generator() {}

    /**
     * @param prompt token ids, at least one (BOS for an empty prompt)
     * @param stop   returns true for a token that ends generation (it is still returned)
     * @return prompt followed by up to maxNew generated ids
     */
    public static int[] generate(CausalLm model, int[] prompt, int maxNew, Sampler sampler, IntPredicate stop) {
        if (prompt.length == 0) throw new IllegalArgumentException("generation needs at least one prompt token");
        if (maxNew < 0) throw new IllegalArgumentException("max_new_tokens " + maxNew + " must be >= 0");
        int limit = (int) Math.min((long) prompt.length + maxNew, model.config().maxSeqLen());
        int[] out = Arrays.copyOf(prompt, limit);
        int n = prompt.length;
        try (StepScope cacheScope = Engine.openScope(model.store())) {
            KvCache cache = new KvCache(cacheScope, model.config().numLayers());
            int[] feed = prompt;
            while (n < limit) {
                int next;
                try (StepScope step = Engine.openScope()) {
                    Tensor logits = model.forward(step.tokens(new int[][] {feed}), cache);     // (1, T, V)
                    long t = logits.dim(1);
                    next = sampler.sample(logits.narrow(1, t - 1, 1).toFloats());
                }
                out[n++] = next;
                if (stop.test(next)) break;
                feed = new int[] {next};
            }
        }
        return Arrays.copyOf(out, n);
    }
}
