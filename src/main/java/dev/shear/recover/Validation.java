package dev.shear.recover;

import dev.shear.data.TokenBatch;
import dev.shear.engine.Engine;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.engine.TensorStore;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** Mean next-token NLL of a model over sequences, each cut to maxLen tokens, padded and masked in batches. */
public final class Validation {
    private Validation() {}

    public static double nll(CausalLm model, List<int[]> sequences, int maxLen, int batch) {
        List<TokenBatch> bs = batches(sequences, maxLen, batch);
        return meanNll(model, bs, (s, i) -> model.forward(s.tokens(bs.get(i).inputs())));
    }

    /** Mean NLL over the batches' weighted positions, batch i's logits (B, T, V) made in its own scope. */
    private static double meanNll(CausalLm model, List<TokenBatch> batches, BiFunction<StepScope, Integer, Tensor> logits) {
        double sum = 0;
        long count = 0;
        for (int k = 0; k < batches.size(); k++) {
            TokenBatch b = batches.get(k);
            try (StepScope s = Engine.openScope(model.store())) {
                Tensor nll = Ops.tokenNll(logits.apply(s, k), s.tokens(b.targets()));   // (B, T)
                float[] v = nll.toFloats();
                int t = b.inputs()[0].length;
                for (int i = 0; i < b.inputs().length; i++)
                    for (int j = 0; j < t; j++)
                        if (b.weights()[i][j] > 0) { sum += v[i * t + j]; count++; }
            }
        }
        return sum / Math.max(1, count);
    }

    /**
     * Perplexity over fixed sequences for a model that will change only in decoder layer {@code layer}
     * and after it: the residual stream entering that layer is computed once, here, and each
     * {@link #ppl} runs the remaining layers alone. Its value is {@link Validation#ppl}'s to the bit
     * while the layers before {@code layer} stay as they were at construction.
     */
    public static final class Prefix implements AutoCloseable {
        private final List<TokenBatch> batches;
        private final List<Tensor> residuals = new ArrayList<>();
        private final TensorStore store;
        private final int layer;

        public Prefix(CausalLm model, List<int[]> sequences, int maxLen, int batch, int layer) {
            this.batches = batches(sequences, maxLen, batch);
            this.layer = layer;
            this.store = new TensorStore(model.computeDtype(), model.store().device());
            try {
                for (TokenBatch b : batches)
                    try (StepScope s = Engine.openScope(model.store())) {
                        residuals.add(store.adopt("residual." + residuals.size(), model.residual(s.tokens(b.inputs()), layer)));
                    }
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }

        public double ppl(CausalLm model) {
            return Math.exp(meanNll(model, batches, (s, i) -> model.logitsFrom(residuals.get(i), layer)));
        }

        @Override public void close() { store.close(); }
    }

    public static double ppl(CausalLm model, List<int[]> sequences, int maxLen, int batch) {
        return Math.exp(nll(model, sequences, maxLen, batch));
    }

    /** Right-padded batches of similar length; padding positions get weight 0. */
    static List<TokenBatch> batches(List<int[]> sequences, int maxLen, int batch) {
        List<int[]> seqs = new ArrayList<>();
        for (int[] s : sequences) if (s.length >= 2) seqs.add(s.length > maxLen + 1 ? java.util.Arrays.copyOf(s, maxLen + 1) : s);
        seqs.sort((a, b) -> Integer.compare(b.length, a.length));
        List<TokenBatch> out = new ArrayList<>();
        for (int i = 0; i < seqs.size(); i += batch) {
            List<int[]> part = seqs.subList(i, Math.min(seqs.size(), i + batch));
            int t = part.get(0).length - 1;
            int[][] in = new int[part.size()][t], tg = new int[part.size()][t];
            float[][] w = new float[part.size()][t];
            for (int r = 0; r < part.size(); r++) {
                int[] s = part.get(r);
                for (int j = 0; j < s.length - 1; j++) { in[r][j] = s[j]; tg[r][j] = s[j + 1]; w[r][j] = 1f; }
            }
            out.add(new TokenBatch(in, tg, w));
        }
        return out;
    }
}
