package dev.shear.prune;

import dev.shear.engine.HostTensor;
import dev.shear.graph.Cut;
import dev.shear.graph.StructureRef;
import java.util.List;

/**
 * FLAP's fluctuation metric: for the input channels a structure feeds into o_proj / down_proj,
 * Σ_j Var(X_j) · ‖W_:,j‖². Ranked after per-layer standardisation; the removed channels' mean
 * contribution is folded into the output bias when compacting.
 */
public final class FlapSaliency implements Saliency {
    @Override public Ranking ranking() { return Ranking.STANDARDIZED; }

    @Override public double[] score(ScoringContext ctx, List<StructureRef> refs) {
        double[] s = new double[refs.size()];
        for (int i = 0; i < s.length; i++) {
            double total = 0;
            for (Cut c : ctx.set().get(refs.get(i)).dependent()) {
                if (!c.columns() || !c.param().endsWith(".weight")) continue;
                HostTensor w = ctx.weights().get(c.param());
                double[] var = ctx.calibration().inputVariance(c.param().substring(0, c.param().length() - ".weight".length()));
                total += SliceMath.sum(w, c, (x, r, j) -> x * x * var[j]);
            }
            s[i] = total;
        }
        return s;
    }
}
