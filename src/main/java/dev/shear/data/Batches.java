package dev.shear.data;

import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * Training batches drawn uniformly over sources: step k's rows depend only on (seed, k), so runs
 * resume exactly. Negative k are calibration draws, disjoint from any training step.
 */
public final class Batches {
    private Batches() {}

    public static BatchSource uniform(List<Corpus> sources, int batch, int seqLen, long seed) {
        return draw(sources, batch, seqLen, seed, rnd -> rnd.nextInt(sources.size()));
    }

    /** Each row's source drawn with the mixture's weights at the time; step k's rows depend on (seed, k, weights). */
    public static BatchSource weighted(Mixture mixture, int batch, int seqLen, long seed) {
        return draw(mixture.sources(), batch, seqLen, seed, rnd -> {
            double u = rnd.nextDouble();
            int s = 0;
            while (s < mixture.size() - 1 && (u -= mixture.weight(s)) >= 0) s++;
            return s;
        });
    }

    /** @param pick the source of one row, from the step's generator */
    private static BatchSource draw(List<Corpus> sources, int batch, int seqLen, long seed, ToIntFunction<Random> pick) {
        return k -> {
            Random rnd = new Random(seed * 1_000_003L + k * 7919L + 17);
            int[][] rows = new int[batch][];
            for (int i = 0; i < batch; i++) rows[i] = Packing.row(sources.get(pick.applyAsInt(rnd)).train(), seqLen + 1, rnd);
            return List.of(TokenBatch.causal(rows));
        };
    }
}
