package dev.shear.eval;

import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.model.CausalLm;

/** Straightforward one-sequence scoring for tests: one forward, log-softmax in double on the host. */
final class Reference {
    private Reference() {}

    /** Sum of log P(seq[j] | seq[..j]) for j in [from, seq.length). */
    static double logprob(CausalLm model, int[] seq, int from) {
        float[] logits;
        int v = model.config().vocabSize();
        try (StepScope s = Engine.openScope(model.store())) {
            int[] input = java.util.Arrays.copyOf(seq, seq.length - 1);             // the last token predicts nothing
            logits = model.forward(s.tokens(new int[][] {input})).toFloats();         // (1, T-1, V)
        }
        double sum = 0;
        for (int j = from; j < seq.length; j++) {
            int row = (j - 1) * v;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < v; k++) max = Math.max(max, logits[row + k]);
            double z = 0;
            for (int k = 0; k < v; k++) z += Math.exp(logits[row + k] - max);
            sum += logits[row + seq[j]] - max - Math.log(z);
        }
        return sum;
    }
}
