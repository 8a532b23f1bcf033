package dev.shear.cli;

import dev.shear.io.Corpus;
import dev.shear.io.Packing;
import dev.shear.lora.TokenBatch;
import dev.shear.lora.TrainingLoop;
import java.util.List;
import java.util.Random;

/**
 * Training batches drawn uniformly over sources: step k's rows depend only on (seed, k), so runs
 * resume exactly. Negative k are calibration draws, disjoint from any training step.
 */
final class Batches {
    private Batches() {}

    static TrainingLoop.BatchSource uniform(List<Corpus> sources, int batch, int seqLen, long seed) {
        return k -> {
            Random rnd = new Random(seed * 1_000_003L + k * 7919L + 17);
            int[][] rows = new int[batch][];
            for (int i = 0; i < batch; i++) {
                Corpus c = sources.get(rnd.nextInt(sources.size()));
                rows[i] = Packing.row(c.train(), seqLen + 1, rnd);
            }
            return List.of(TokenBatch.causal(rows));
        };
    }

    /** Each row's source drawn with the current weights; step k's rows depend on (seed, k, weights). */
    static TrainingLoop.BatchSource weighted(List<Corpus> sources, int batch, int seqLen, long seed, java.util.function.Supplier<double[]> weights) {
        return k -> {
            Random rnd = new Random(seed * 1_000_003L + k * 7919L + 17);
            double[] w = weights.get();
            int[][] rows = new int[batch][];
            for (int i = 0; i < batch; i++) {
                double u = rnd.nextDouble();
                int s = 0;
                while (s < w.length - 1 && (u -= w[s]) >= 0) s++;
                rows[i] = Packing.row(sources.get(s).train(), seqLen + 1, rnd);
            }
            return List.of(TokenBatch.causal(rows));
        };
    }
}
