package dev.shear.prune;

import dev.shear.engine.HostTensor;
import java.util.List;

/**
 * Wanda-sp: Σ |W_ij| · ‖X_j‖₂ over every weight of the structure, where X is the calibration input
 * of that weight's projection (rows read all inputs, columns read their own input channel).
 */
public final class WandaSpSaliency implements Saliency {
    @Override public double[] score(ScoringContext ctx, List<StructureRef> refs) {
        double[] s = new double[refs.size()];
        for (int i = 0; i < s.length; i++) {
            Structure st = ctx.set().get(refs.get(i));
            double total = 0;
            for (List<Cut> cuts : List.of(st.zeroed(), st.dependent()))
                for (Cut c : cuts) {
                    if (!c.param().endsWith(".weight")) continue;
                    HostTensor w = ctx.weights().get(c.param());
                    double[] norm = ctx.calibration().inputNorm(c.param().substring(0, c.param().length() - ".weight".length()));
                    total += SliceMath.sum(w, c, (x, r, j) -> Math.abs(x) * norm[j]);
                }
            s[i] = total;
        }
        return s;
    }
}
