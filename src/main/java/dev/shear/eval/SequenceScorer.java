package dev.shear.eval;

import dev.shear.engine.Engine;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
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
        int n = rows.size();
        int context = model.config().maxSeqLen();
        int heads = model.config().layers().stream().mapToInt(LayerWidths::numHeads).max().orElse(1);
        int vocab = model.config().vocabSize();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            if (rows.get(i).inputLength() > context)
                throw new IllegalArgumentException("eval: row of " + rows.get(i).inputLength() + " input tokens exceeds the context " + context);
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -rows.get(i).inputLength()));
        RowScore[] out = new RowScore[n];
        int start = 0;
        while (start < n) {
            int len = rows.get(order[start]).inputLength();
            int b = 1;
            while (start + b < n && shape.fits(b, len, heads, vocab)) b++;
            scoreBatch(model, rows, Arrays.copyOfRange(order, start, start + b), len, out);
            start += b;
            progress.step(start, n);
        }
        return out;
    }

    private static void scoreBatch(CausalLm model, List<TokenWindow> rows, Integer[] batch, int len, RowScore[] out) {
        int[][] inputs = new int[batch.length][len];
        int[][] targets = new int[batch.length][len];
        for (int r = 0; r < batch.length; r++) {
            int[] t = rows.get(batch[r]).tokens();
            Arrays.fill(inputs[r], PAD);
            Arrays.fill(targets[r], PAD);
            System.arraycopy(t, 0, inputs[r], 0, t.length - 1);
            System.arraycopy(t, 1, targets[r], 0, t.length - 1);
        }
        double[] nll;
        long[] argmax;
        try (StepScope s = Engine.openScope(model.store())) {
            Tensor logits = model.forward(s.tokens(inputs));                          // (B, T, V)
            nll = Ops.tokenNll(logits, s.tokens(targets)).toDoubles();                // (B, T)
            argmax = logits.argmax(-1).toLongs();                                     // (B, T)
        }
        for (int r = 0; r < batch.length; r++) out[batch[r]] = sum(rows.get(batch[r]), targets[r], nll, argmax, r * len);
    }

    /** Target j is token j+1 of the row, so scored tokens [first, n) are targets [first-1, n-1). */
    private static RowScore sum(TokenWindow w, int[] targets, double[] nll, long[] argmax, int offset) {
        double logprob = 0;
        boolean greedy = true;
        for (int j = w.firstScored() - 1; j < w.tokens().length - 1; j++) {
            logprob -= nll[offset + j];
            greedy &= argmax[offset + j] == targets[j];
        }
        return new RowScore(logprob, w.scored(), greedy);
    }
}
