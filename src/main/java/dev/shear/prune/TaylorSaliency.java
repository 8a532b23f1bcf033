package dev.shear.prune;

import dev.shear.engine.HostTensor;
import dev.shear.graph.StructureRef;
import java.util.List;

/**
 * LLM-Pruner's first-order Taylor importance from calibration gradients: element-wise Σ|w·g| over the
 * whole structure, or vector-wise |Σ w·g|.
 */
public final class TaylorSaliency implements Saliency {
    private final boolean vectorWise;

    public TaylorSaliency(boolean vectorWise) { this.vectorWise = vectorWise; }

    @Override public double[] score(ScoringContext ctx, List<StructureRef> refs) {
        double[] s = new double[refs.size()];
        for (int i = 0; i < s.length; i++) {
            double total = SliceMath.overWeights(ctx, ctx.set().get(refs.get(i)), param -> {
                HostTensor w = ctx.weights().get(param);
                float[] g = ctx.calibration().gradient(param).data();
                int cols = w.shape().length == 1 ? 1 : (int) w.shape()[1];
                return (x, r, j) -> vectorWise ? x * g[r * cols + j] : Math.abs(x * g[r * cols + j]);
            });
            s[i] = Math.abs(total);
        }
        return s;
    }
}
