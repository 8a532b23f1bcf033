package dev.shear.prune;

import dev.shear.graph.StructureRef;
import java.util.List;

/**
 * Wanda-sp: Σ |W_ij| · ‖X_j‖₂ over every weight of the structure, where X is the calibration input
 * of that weight's projection (rows read all inputs, columns read their own input channel).
 */
public final class WandaSpSaliency implements Saliency {
    @Override public double[] score(ScoringContext ctx, List<StructureRef> refs) {
        double[] s = new double[refs.size()];
        for (int i = 0; i < s.length; i++)
            s[i] = SliceMath.overWeights(ctx, ctx.set().get(refs.get(i)), param -> {
                double[] norm = ctx.calibration().inputNorm(SliceMath.module(param));
                return (x, r, j) -> Math.abs(x) * norm[j];
            });
        return s;
    }
}
