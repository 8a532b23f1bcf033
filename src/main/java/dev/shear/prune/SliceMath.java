package dev.shear.prune;

import dev.shear.engine.HostTensor;
import dev.shear.graph.Cut;
import dev.shear.graph.Structure;

/** Reductions over the rows or columns of a host tensor that one cut names. */
final class SliceMath {
    private SliceMath() {}

    interface ElementOp { double apply(double x, int row, int col); }

    /** Σ f(x) over the cut's elements of t (2-D weights or 1-D biases). */
    static double sum(HostTensor t, Cut c, ElementOp f) {
        float[] d = t.data();
        if (t.shape().length == 1) {
            double s = 0;
            for (int i : c.indices()) s += f.apply(d[i], i, 0);
            return s;
        }
        int cols = (int) t.shape()[1], rows = (int) t.shape()[0];
        double s = 0;
        if (!c.columns()) {
            for (int r : c.indices()) for (int j = 0; j < cols; j++) s += f.apply(d[r * cols + j], r, j);
        } else {
            for (int i = 0; i < rows; i++) for (int j : c.indices()) s += f.apply(d[i * cols + j], i, j);
        }
        return s;
    }

    /** Per-weight contribution of one element, given the weight tensor's name. */
    interface WeightTerm { ElementOp forWeight(String param); }

    /** Σ over every weight element of the structure (zeroed and dependent cuts; biases skipped). */
    static double overWeights(ScoringContext ctx, Structure st, WeightTerm term) {
        double total = 0;
        for (java.util.List<Cut> cuts : java.util.List.of(st.zeroed(), st.dependent()))
            for (Cut c : cuts) {
                if (!c.param().endsWith(".weight")) continue;
                total += sum(ctx.weights().get(c.param()), c, term.forWeight(c.param()));
            }
        return total;
    }

    static String module(String weightParam) { return weightParam.substring(0, weightParam.length() - ".weight".length()); }

    /** The bias beside a projection's weight (which the model may not have). */
    static String bias(String weightParam) { return module(weightParam) + ".bias"; }

    /** Σ a·b over the cut's elements of two same-shaped tensors. */
    static double dot(HostTensor a, HostTensor b, Cut c) {
        float[] bd = b.data();
        int cols = a.shape().length == 1 ? 1 : (int) a.shape()[1];
        return sum(a, c, (x, r, j) -> x * bd[r * cols + j]);
    }

    static double sumSquares(HostTensor t, Cut c) { return sum(t, c, (x, r, j) -> x * x); }
}
