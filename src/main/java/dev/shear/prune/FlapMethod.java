package dev.shear.prune;

import dev.shear.engine.HostTensor;
import dev.shear.graph.Cut;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * FLAP: the fluctuation of each input channel times its weights' norm, standardised per layer; the
 * removed channels' mean contribution moves into the output bias.
 */
final class FlapMethod extends OneShotMethod {
    FlapMethod() { super("flap", Calibrate.ACTIVATIONS); }

    @Override public Saliency saliency(long seed) { return new FlapSaliency(); }

    /** FLAP ranks heads and channels of every layer together (its "AL-AM" structure). */
    @Override public Allocation autoAllocation(boolean kdaConfigured) { return Allocation.JOINT; }

    /** W[:, j] · E[X_j] of every removed input channel j, per o_proj / down_proj weight. */
    @Override Map<String, double[]> compensation(ScoringContext ctx, StructureSet set, List<StructureRef> chosen) {
        Map<String, double[]> shift = new HashMap<>();
        for (StructureRef r : chosen)
            for (Cut c : set.get(r).dependent()) {
                if (!c.columns() || !c.param().endsWith(".weight")) continue;
                HostTensor w = ctx.weights().get(c.param());
                double[] mean = ctx.calibration().inputMean(SliceMath.module(c.param()));
                int out = (int) w.shape()[0], in = (int) w.shape()[1];
                double[] b = shift.computeIfAbsent(c.param(), k -> new double[out]);
                for (int i = 0; i < out; i++) for (int j : c.indices()) b[i] += w.data()[i * in + j] * mean[j];
            }
        return shift;
    }
}
