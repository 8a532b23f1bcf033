package dev.shear.prune;

/** Small dense fp64 linear algebra on row-major arrays, for the closed-form pruning updates. */
final class Dense {
    private Dense() {}

    /** The inverse of a symmetric positive-definite n × n matrix. */
    static double[] inverse(double[] a, int n) {
        double[] eye = new double[n * n];
        for (int i = 0; i < n; i++) eye[i * n + i] = 1;
        return Cholesky.solve(a, n, eye, n);
    }

    /** a[rows, cols] of an n-wide matrix. */
    static double[] block(double[] a, int n, int[] rows, int[] cols) {
        double[] out = new double[rows.length * cols.length];
        for (int i = 0; i < rows.length; i++) for (int j = 0; j < cols.length; j++) out[i * cols.length + j] = a[rows[i] * n + cols[j]];
        return out;
    }
}
