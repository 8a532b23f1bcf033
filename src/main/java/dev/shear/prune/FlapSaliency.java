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

    /**
     * FLAP's scores for its joint ranking: the fluctuation of every input channel of a layer's
     * o_proj / down_proj, Var(X_j) · ‖W[:, j]‖², standardised over that layer's channels (mean 0,
     * unbiased standard deviation 1), then averaged over the channels a structure owns, so a KV
     * group and an MLP channel are on one scale.
     */
    public double[] standardized(ScoringContext ctx, List<StructureRef> refs) {
        java.util.Map<String, double[]> z = new java.util.HashMap<>();
        double[] s = new double[refs.size()];
        for (int i = 0; i < s.length; i++) {
            double total = 0;
            int n = 0;
            for (Cut c : ctx.set().get(refs.get(i)).dependent()) {
                if (!c.columns() || !c.param().endsWith(".weight")) continue;
                boolean attention = ctx.set().groups().get(refs.get(i).group()).cluster() == dev.shear.graph.Cluster.ATTENTION;
                double[] zc = z.computeIfAbsent(c.param(), p -> standardizedChannels(ctx, p, attention));
                for (int j : c.indices()) { total += zc[j]; n++; }
            }
            s[i] = n == 0 ? 0 : total / n;
        }
        return s;
    }

    /** @param squared FLAP squares the attention channels' metric (not the MLP's) before standardising them */
    private static double[] standardizedChannels(ScoringContext ctx, String param, boolean squared) {
        HostTensor w = ctx.weights().get(param);
        double[] var = ctx.calibration().inputVariance(param.substring(0, param.length() - ".weight".length()));
        int rows = (int) w.shape()[0], cols = (int) w.shape()[1];
        double[] m = new double[cols];
        float[] d = w.data();
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) m[j] += (double) d[r * cols + j] * d[r * cols + j];
        double mean = 0, sq = 0;
        for (int j = 0; j < cols; j++) {
            m[j] *= var[j];
            if (squared) m[j] *= m[j];
            mean += m[j];
        }
        mean /= cols;
        for (int j = 0; j < cols; j++) sq += (m[j] - mean) * (m[j] - mean);
        double std = Math.sqrt(sq / Math.max(1, cols - 1)) + 1e-12;
        for (int j = 0; j < cols; j++) m[j] = (m[j] - mean) / std;
        return m;
    }

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
