package dev.shear.prune;

import dev.shear.graph.Cut;
import dev.shear.graph.StructureRef;
import java.util.List;

/** L2 norm of the structure's base weights over the slices pruning zeroes. */
public final class MagnitudeSaliency implements Saliency {
    @Override public double[] score(ScoringContext ctx, List<StructureRef> refs) {
        double[] s = new double[refs.size()];
        for (int i = 0; i < s.length; i++) {
            double sq = 0;
            for (Cut c : ctx.set().get(refs.get(i)).zeroed()) sq += SliceMath.sumSquares(ctx.weights().get(c.param()), c);
            s[i] = Math.sqrt(sq);
        }
        return s;
    }
}
