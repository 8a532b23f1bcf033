package dev.shear.prune;

import dev.shear.graph.Cut;
import dev.shear.graph.Structure;
import dev.shear.graph.StructureRef;
import java.util.List;

/**
 * L2 norm of a structure's base weights. The {@code magnitude} method scores the whole structure
 * (the rows pruning zeroes and the o_proj / down_proj columns that go with them), as the usual
 * definition and Wanda-sp do; KDA's proxy reads only the zeroed rows.
 */
public final class MagnitudeSaliency implements Saliency {
    private final boolean wholeStructure;

    /** The zeroed rows only (KDA's proxy, and ranking LHSPG's survivors for alignment). */
    public MagnitudeSaliency() { this(false); }

    public MagnitudeSaliency(boolean wholeStructure) { this.wholeStructure = wholeStructure; }

    @Override public double[] score(ScoringContext ctx, List<StructureRef> refs) {
        double[] s = new double[refs.size()];
        for (int i = 0; i < s.length; i++) {
            Structure st = ctx.set().get(refs.get(i));
            double sq = 0;
            for (Cut c : st.zeroed()) sq += SliceMath.sumSquares(ctx.weights().get(c.param()), c);
            if (wholeStructure) for (Cut c : st.dependent()) sq += SliceMath.sumSquares(ctx.weights().get(c.param()), c);
            s[i] = Math.sqrt(sq);
        }
        return s;
    }
}
