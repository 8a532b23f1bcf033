package dev.shear.prune;

import dev.shear.engine.DType;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.graph.Cut;
import java.util.List;

/**
 * Cuts on the engine: a cut names whole rows or columns, so masks and per-cut sums go through
 * one (rows, 1) and one (1, cols) vector instead of copying the parameter to the heap.
 */
final class SliceOps {
    private SliceOps() {}

    /** Per row (or per element of a 1-D tensor) and per column, how many of the cuts name it. */
    private record Counts(int[] rows, int[] cols, boolean anyRow, boolean anyCol) {}

    private static Counts counts(Tensor t, List<Cut> cuts) {
        boolean flat = t.rank() == 1;
        int[] rows = new int[(int) t.dim(0)], cols = new int[flat ? 1 : (int) t.dim(1)];
        boolean anyRow = false, anyCol = false;
        for (Cut c : cuts) {
            boolean col = c.columns() && !flat;
            for (int i : c.indices()) if (col) cols[i]++; else rows[i]++;
            anyRow |= !col;
            anyCol |= col;
        }
        return new Counts(rows, cols, anyRow, anyCol);
    }

    /** Non-zero on every element some cut covers, zero elsewhere; broadcasts against t. */
    static Tensor covered(StepScope sc, Tensor t, List<Cut> cuts) {
        Counts n = counts(t, cuts);
        Tensor r = n.anyRow() ? perIndex(sc, n.rows(), k -> k, DType.F32, rowShape(t, n)) : null;
        Tensor c = n.anyCol() ? perIndex(sc, n.cols(), k -> k, DType.F32, 1, n.cols().length) : null;
        return r == null ? c : c == null ? r : r.add(c);
    }

    /** (rows, 1), or (n) for a 1-D tensor: broadcasts a per-row value over the columns. */
    private static long[] rowShape(Tensor t, Counts n) {
        return t.rank() == 1 ? new long[] {n.rows().length} : new long[] {n.rows().length, 1};
    }

    /** A vector with value(count) for each row's or column's count of cuts. */
    private static Tensor perIndex(StepScope sc, int[] counts, java.util.function.IntToDoubleFunction value, DType dtype, long... shape) {
        float[] v = new float[counts.length];
        for (int i = 0; i < v.length; i++) v[i] = (float) value.applyAsDouble(counts[i]);
        return sc.floats(v, dtype, shape);
    }

    /** t with every cut's elements set to exactly +0 (a copy; the caller assigns it). */
    static Tensor zeroed(StepScope sc, Tensor t, List<Cut> cuts) {
        return Tensor.where(covered(sc, t, cuts), sc.zeros(t.dtype()), t);
    }

    /** t with each cut's elements multiplied by (float) f, once per cut that names them (fp32 for an fp16 t). */
    static Tensor scaled(StepScope sc, Tensor t, List<Cut> cuts, double f) {
        Counts n = counts(t, cuts);
        Tensor out = t;
        DType in = t.dtype() == DType.F64 ? DType.F64 : DType.F32;          // fp16 is scaled in fp32, as on the heap
        if (n.anyRow()) out = out.mul(perIndex(sc, n.rows(), k -> factor(f, k), in, rowShape(t, n)));
        if (n.anyCol()) out = out.mul(perIndex(sc, n.cols(), k -> factor(f, k), in, 1, n.cols().length));
        return out;
    }

    /** (float) f multiplied in k times, in float, as the heap version scaled once per cut. */
    private static float factor(double f, int k) {
        float v = 1f;
        for (int i = 0; i < k; i++) v *= (float) f;
        return v;
    }

    /** Overwrites a parameter with a value computed in the same or a wider dtype. */
    static void writeBack(Tensor param, Tensor value) {
        param.assign(value.dtype() == param.dtype() ? value : value.converted(param.dtype()));
    }

    /**
     * Per cut, the sum of e's elements over the cut (e shaped like the cut's parameter). Rows and
     * columns are summed on the engine in e's dtype; only those totals come to the heap, where the
     * cut's rows or columns are added up in double.
     */
    static double[] sums(Tensor e, List<Cut> cuts) {
        boolean flat = e.rank() == 1;
        double[] rows = null, cols = null;
        double[] out = new double[cuts.size()];
        for (int k = 0; k < out.length; k++) {
            Cut c = cuts.get(k);
            double[] totals;
            if (flat) totals = rows == null ? rows = e.toDoubles() : rows;
            else if (c.columns()) totals = cols == null ? cols = e.sum(0, false).toDoubles() : cols;
            else totals = rows == null ? rows = e.sum(1, false).toDoubles() : rows;
            for (int i : c.indices()) out[k] += totals[i];
        }
        return out;
    }
}
