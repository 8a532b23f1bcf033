package dev.shear.eval;

import dev.shear.engine.Engine;
import dev.shear.engine.Ops;
import dev.shear.engine.Progress;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Scores token windows with as few forward passes as the batch shape allows: rows sorted by
 * length (longest first, so memory peaks at the start), right-padded, pads masked out of the sums.
 * Causal attention means pads never change the real positions' logits.
 */
final class SequenceScorer {
    private static final int PAD = 0;

    private SequenceScorer() {}

    static RowScore[] score(CausalLm model, List<TokenWindow> rows, BatchShape shape, Progress progress) {
        return PassScores.scoreAll(model, plan(model.config(), rows, shape), rows.size(), progress);
    }

    /** The passes {@link #score} makes, longest rows first, each as many rows as the shape allows. */
    static List<ScoringPass> plan(ModelConfig config, List<TokenWindow> rows, BatchShape shape) {
        int n = rows.size();
        int heads = heads(config);
        int vocab = config.vocabSize();
        checkContext(config, rows);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -rows.get(i).inputLength()));
        List<ScoringPass> passes = new ArrayList<>();
        int start = 0;
        while (start < n) {
            int len = rows.get(order[start]).inputLength();
            int b = 1;
            while (start + b < n && shape.fits(b, len, heads, vocab)) b++;
            int[] index = new int[b];
            List<TokenWindow> windows = new ArrayList<>(b);
            for (int r = 0; r < b; r++) {
                index[r] = order[start + r];
                windows.add(rows.get(index[r]));
            }
            passes.add(new Pass(index, windows, len));
            start += b;
        }
        return passes;
    }

    /** The most attention heads of any layer: they size the attention scores of a pass. */
    static int heads(ModelConfig config) {
        return config.layers().stream().mapToInt(LayerWidths::numHeads).max().orElse(1);
    }

    static void checkContext(ModelConfig config, List<TokenWindow> rows) {
        int context = config.maxSeqLen();
        for (TokenWindow w : rows)
            if (w.inputLength() > context)
                throw new IllegalArgumentException("eval: row of " + w.inputLength() + " input tokens exceeds the context " + context);
    }

    /** Rows right-padded to the longest one's input length, in one forward pass. */
    private record Pass(int[] index, List<TokenWindow> windows, int len) implements ScoringPass {
        @Override public int rows() { return index.length; }

        @Override public PassScores score(CausalLm model) {
            long t0 = System.nanoTime();
            int b = windows.size();
            int[][] inputs = new int[b][];
            int[][] targets = new int[b][];
            for (int r = 0; r < b; r++) {
                int[] t = windows.get(r).tokens();
                inputs[r] = padded(t, 0, t.length - 1, len);
                targets[r] = padded(t, 1, t.length, len);
            }
            double[] nll;
            long[] argmax;
            try (StepScope s = Engine.openScope(model.store())) {
                Tensor logits = model.forward(s.tokens(inputs));                          // (B, T, V)
                nll = Ops.tokenNll(logits, s.tokens(targets)).toDoubles();                // (B, T)
                argmax = logits.argmax(-1).toLongs();                                     // (B, T)
            }
            RowScore[] out = new RowScore[b];
            for (int r = 0; r < b; r++) out[r] = sum(windows.get(r), 0, nll, argmax, r * len);
            return PassScores.of(index, out, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** tokens[from, to) right-padded to len. */
    static int[] padded(int[] tokens, int from, int to, int len) {
        int[] out = new int[len];
        Arrays.fill(out, PAD);
        System.arraycopy(tokens, from, out, 0, to - from);
        return out;
    }

    /**
     * Target j is token j+1 of the row, so scored tokens [first, n) are targets [first-1, n-1). The
     * pass held the row's targets from `shift` on, starting at `offset` of its (rows x T) outputs.
     */
    static RowScore sum(TokenWindow w, int shift, double[] nll, long[] argmax, int offset) {
        int[] t = w.tokens();
        double logprob = 0;
        boolean greedy = true;
        for (int j = w.firstScored() - 1; j < t.length - 1; j++) {
            logprob -= nll[offset + j - shift];
            greedy &= argmax[offset + j - shift] == t[j + 1];
        }
        return new RowScore(logprob, w.scored(), greedy);
    }
}
