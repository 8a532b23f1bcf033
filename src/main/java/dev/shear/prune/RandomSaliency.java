package dev.shear.prune;

import dev.shear.graph.StructureRef;
import java.util.List;
import java.util.Random;

/** Uniform random scores: the floor every criterion must beat. */
public final class RandomSaliency implements Saliency {
    private final long seed;

    public RandomSaliency(long seed) { this.seed = seed; }

    @Override public double[] score(ScoringContext ctx, List<StructureRef> refs) {
        Random rnd = new Random(seed);
        double[] s = new double[refs.size()];
        for (int i = 0; i < s.length; i++) s[i] = rnd.nextDouble();
        return s;
    }
}
