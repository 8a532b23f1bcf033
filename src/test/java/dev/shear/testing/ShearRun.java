package dev.shear.testing;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.io.LoadedModel;
import dev.shear.model.CausalLm;
import dev.shear.model.Generator;
import dev.shear.model.Sampler;
import java.util.Arrays;

/** Shear's own greedy generation and scoring, the reference llama.cpp is compared against. */
public final class ShearRun {
    private ShearRun() {}

    /** The {@code n} greedy tokens after the prompt (EOS does not stop, as in the llama.cpp runner). */
    public static int[] greedy(LoadedModel m, int[] prompt, int n) {
        try (CausalLm lm = CausalLm.fromWeights(m.config(), m.weights(), DType.F32)) {
            int[] out = Generator.generate(lm, prompt, n, Sampler.greedy(), t -> false);
            return Arrays.copyOfRange(out, prompt.length, out.length);
        }
    }

    /** log P(ids[i+1] | ids[0..i]) for each i, from one forward pass, log-softmax in double. */
    public static double[] logprobs(LoadedModel m, int[] ids) {
        try (CausalLm lm = CausalLm.fromWeights(m.config(), m.weights(), DType.F32);
             StepScope s = Engine.openScope(lm.store())) {
            float[] logits = lm.forward(s.tokens(new int[][] {ids})).toFloats();         // (1, T, V)
            int v = m.config().vocabSize();
            double[] out = new double[ids.length - 1];
            for (int t = 0; t + 1 < ids.length; t++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < v; j++) max = Math.max(max, logits[t * v + j]);
                for (int j = 0; j < v; j++) sum += Math.exp(logits[t * v + j] - max);
                out[t] = logits[t * v + ids[t + 1]] - max - Math.log(sum);
            }
            return out;
        }
    }

    public static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) return Double.POSITIVE_INFINITY;
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        return worst;
    }
}
