package dev.shear.prune;

import dev.shear.engine.HostTensor;
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
            Structure st = ctx.set().get(refs.get(i));
            double total = 0;
            for (List<Cut> cuts : List.of(st.zeroed(), st.dependent()))
                for (Cut c : cuts) {
                    HostTensor w = ctx.weights().get(c.param());
                    float[] g = ctx.calibration().gradient(c.param()).data();
                    int cols = w.shape().length == 1 ? 1 : (int) w.shape()[1];
                    total += SliceMath.sum(w, c, (x, r, j) -> vectorWise ? x * g[r * cols + j] : Math.abs(x * g[r * cols + j]));
                }
            s[i] = Math.abs(total);
        }
        return s;
    }
}
