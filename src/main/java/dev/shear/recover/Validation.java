package dev.shear.recover;

import dev.shear.data.TokenBatch;
import dev.shear.engine.Engine;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.List;

/** Mean next-token NLL of a model over sequences, each cut to maxLen tokens, padded and masked in batches. */
public final class Validation {
    private Validation() {}

    public static double nll(CausalLm model, List<int[]> sequences, int maxLen, int batch) {
        double sum = 0;
        long count = 0;
        for (TokenBatch b : batches(sequences, maxLen, batch)) {
            try (StepScope s = Engine.openScope(model.store())) {
                Tensor nll = Ops.tokenNll(model.forward(s.tokens(b.inputs())), s.tokens(b.targets()));   // (B, T)
                float[] v = nll.toFloats();
                int t = b.inputs()[0].length;
                for (int i = 0; i < b.inputs().length; i++)
                    for (int j = 0; j < t; j++)
                        if (b.weights()[i][j] > 0) { sum += v[i * t + j]; count++; }
            }
        }
        return sum / Math.max(1, count);
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
