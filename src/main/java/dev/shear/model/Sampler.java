package dev.shear.model;

import java.util.Random;

/** Picks the next token from a logit vector. */
public interface Sampler {
    int sample(float[] logits);

    static Sampler greedy() {
        return logits -> {
            int best = 0;
            for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
            return best;
        };
    }

    /** Temperature sampling, restricted to the smallest set of tokens whose mass reaches topP. Seeded. */
    static Sampler nucleus(double temperature, double topP, long seed) {
        if (temperature <= 0) return greedy();
        Random rnd = new Random(seed);
        return logits -> {
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) max = Math.max(max, l);
            double[] p = new double[logits.length];
            double sum = 0;
            for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp((logits[i] - max) / temperature);
            Integer[] order = new Integer[p.length];
            for (int i = 0; i < p.length; i++) order[i] = i;
            java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
            double mass = 0;
            int keep = 0;
            while (keep < order.length && (keep == 0 || mass < topP * sum)) mass += p[order[keep++]];
            double r = rnd.nextDouble() * mass;
            for (int k = 0; k < keep; k++) {
                r -= p[order[k]];
                if (r <= 0) return order[k];
            }
            return order[keep - 1];
        };
    }
}
