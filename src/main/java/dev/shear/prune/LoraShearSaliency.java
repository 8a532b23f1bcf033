package dev.shear.prune;

import dev.shear.engine.HostTensor;
import dev.shear.graph.Cut;
import dev.shear.graph.StructureRef;
import java.util.List;

/**
 * LoRAShear's mixed saliency (docs/method.md, "Saliency"): magnitude, cos(W, ΔW)+1, |⟨W, ΔW⟩| and ½⟨W, ΔW⟩²,
 * each divided by its L2 norm over the scored structures, mixed with equal weights.
 * ΔW is the current s·BA ("paper"), or the update accumulated since pruning began: merged
 * updates plus the current s·BA ("accumulated", which stays informative after B is reset).
 */
public final class LoraShearSaliency implements Saliency {
    private final boolean accumulated;

    public LoraShearSaliency(boolean accumulated) { this.accumulated = accumulated; }

    @Override public Ranking ranking() { return Ranking.GLOBAL; }

    @Override public double[] score(ScoringContext ctx, List<StructureRef> refs) {
        int n = refs.size();
        double[][] proxies = new double[4][n];
        for (int i = 0; i < n; i++) {
            double ww = 0, dd = 0, wd = 0;
            for (Cut c : ctx.set().get(refs.get(i)).zeroed()) {
                HostTensor w = ctx.weights().get(c.param());
                HostTensor d = delta(ctx, c.param());
                ww += SliceMath.sumSquares(w, c);
                if (d == null) continue;
                dd += SliceMath.sumSquares(d, c);
                wd += SliceMath.dot(w, d, c);
            }
            proxies[0][i] = Math.sqrt(ww);
            proxies[1][i] = wd / ((Math.sqrt(ww) + 1e-8) * (Math.sqrt(dd) + 1e-8)) + 1;
            proxies[2][i] = Math.abs(wd);
            proxies[3][i] = 0.5 * wd * wd;
        }
        double[] out = new double[n];
        for (double[] p : proxies) {
            double norm = 0;
            for (double v : p) norm += v * v;
            norm = Math.sqrt(norm + 1e-8) + 1e-8;
            for (int i = 0; i < n; i++) out[i] += 0.25 * p[i] / norm;
        }
        return out;
    }

    private HostTensor delta(ScoringContext ctx, String param) {
        HostTensor lora = param.endsWith(".weight") ? ctx.loraDelta(param) : null;
        if (!accumulated || ctx.initialWeights() == null) return lora;
        HostTensor now = ctx.weights().get(param), then = ctx.initialWeights().get(param);
        float[] d = new float[now.data().length];
        for (int i = 0; i < d.length; i++) d[i] = now.data()[i] - then.data()[i] + (lora == null ? 0 : lora.data()[i]);
        return new HostTensor(now.shape(), d);
    }
}
