package dev.shear.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A forked cache gives each row the logits a whole-row forward gives, whatever the padding around it. */
class KvCacheForkTest {
    private static final int VOCAB = 40, CONTEXT = 24;

    private static CausalLm llama() {
        ModelConfig c = ModelConfig.llama(32, 48, 3, 4, 2, VOCAB, CONTEXT, false);
        return CausalLm.fromWeights(c, CausalLm.randomWeights(c, 3, 0.3f), DType.F32);
    }

    /** Partial rotation, fused qkv and biases, parallel residual: the other block's paths. */
    private static CausalLm neox() {
        List<LayerWidths> layers = Collections.nCopies(2, new LayerWidths(4, 4, 8, 64));
        ModelConfig c = new ModelConfig(Architecture.NEOX, 32, VOCAB, CONTEXT, layers, 1e-5, 10000, RopeLayout.HALF, 0.5,
                false, true, true, true, true, 0, 0);
        return CausalLm.fromWeights(c, CausalLm.randomWeights(c, 4, 0.3f), DType.F32);
    }

    @Test void llamaForkMatchesWholeRows() { forkMatchesWholeRows(llama()); }

    /** A sliding window of 3 (shorter than prefix + continuation) on alternate layers, Gemma's block: the fork's mask hides the same keys. */
    @Test void slidingWindowForkMatchesWholeRows() {
        ModelConfig base = ModelConfig.llama(32, 48, 3, 4, 2, VOCAB, CONTEXT, true);
        ModelConfig c = base.withFeatures(Features.of(Family.GEMMA2).withSlidingWindow(3, List.of(true, false, true), 0).withSoftcaps(5, 8));
        forkMatchesWholeRows(CausalLm.fromWeights(c, CausalLm.randomWeights(c, 5, 0.3f), DType.F32));
    }

    @Test void neoxForkMatchesWholeRows() { forkMatchesWholeRows(neox()); }

    /**
     * Two prefixes of 7 and 3 tokens (the short one right-padded), forked to four rows with
     * continuations of 1 to 5 tokens, one of them reading no prefix at all.
     */
    private static void forkMatchesWholeRows(CausalLm model) {
        try (model) {
            Random rnd = new Random(1);
            int[][] prefixes = {tokens(rnd, 7), tokens(rnd, 3)};
            int[] rows = {0, 1, 0, 1}, lengths = {7, 3, 4, 0};
            int[][] suffixes = {tokens(rnd, 5), tokens(rnd, 1), tokens(rnd, 3), tokens(rnd, 4)};
            int width = 5;
            float[] forked;
            try (StepScope s = Engine.openScope(model.store())) {
                KvCache cache = new KvCache(s, model.config().numLayers());
                model.prefill(s.tokens(new int[][] {prefixes[0], padded(prefixes[1], 7)}), cache);
                int[][] in = new int[suffixes.length][];
                for (int r = 0; r < in.length; r++) in[r] = padded(suffixes[r], width);
                KvCache fork = cache.fork(s, rows, lengths);
                forked = model.forward(s.tokens(in), fork).toFloats();                       // (4, 5, V)
                Tensor again = s.tokens(in);
                assertThrows(IllegalStateException.class, () -> model.forward(again, fork));
            }
            for (int r = 0; r < rows.length; r++) {
                int[] whole = concat(Arrays.copyOf(prefixes[rows[r]], lengths[r]), suffixes[r]);
                float[] expected;
                try (StepScope s = Engine.openScope(model.store())) {
                    expected = model.forward(s.tokens(new int[][] {whole})).toFloats();        // (1, n, V)
                }
                for (int j = 0; j < suffixes[r].length; j++)
                    for (int v = 0; v < VOCAB; v++)
                        assertEquals(expected[(lengths[r] + j) * VOCAB + v], forked[(r * width + j) * VOCAB + v], 1e-4,
                                "row " + r + " token " + j);
            }
        }
    }

    @Test void forkRejectsLengthsPastTheCache() {
        try (CausalLm model = llama(); StepScope s = Engine.openScope(model.store())) {
            KvCache cache = new KvCache(s, model.config().numLayers());
            model.prefill(s.tokens(new int[][] {{1, 2, 3}}), cache);
            assertThrows(IllegalArgumentException.class, () -> cache.fork(s, new int[] {0}, new int[] {4}));
            assertThrows(IllegalArgumentException.class, () -> cache.fork(s, new int[] {1}, new int[] {2}));
        }
    }

    private static int[] tokens(Random rnd, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = 3 + rnd.nextInt(VOCAB - 3);
        return t;
    }

    /** Right padding with a token the model reads like any other: only the mask can hide it. */
    private static int[] padded(int[] t, int n) {
        int[] out = Arrays.copyOf(t, n);
        Arrays.fill(out, t.length, n, 5);
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
