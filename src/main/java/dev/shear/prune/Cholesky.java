package dev.shear.prune;

/** Solves A X = B for symmetric positive-definite A (n × n) and B (n × m), row-major, in fp64. */
final class Cholesky {
    private Cholesky() {}

    static double[] solve(double[] a, int n, double[] b, int m) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) {
                double sum = a[i * n + j];
                for (int k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
                if (i == j) {
                    if (!(sum > 0)) throw new IllegalStateException("least-squares compensation: the kept inputs' covariance is not positive definite");
                    l[i * n + i] = Math.sqrt(sum);
                } else l[i * n + j] = sum / l[j * n + j];
            }
        double[] x = b.clone();
        for (int c = 0; c < m; c++) {
            for (int i = 0; i < n; i++) {                      // L y = b
                double sum = x[i * m + c];
                for (int k = 0; k < i; k++) sum -= l[i * n + k] * x[k * m + c];
                x[i * m + c] = sum / l[i * n + i];
            }
            for (int i = n - 1; i >= 0; i--) {                 // Lᵀ x = y
                double sum = x[i * m + c];
                for (int k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k * m + c];
                x[i * m + c] = sum / l[i * n + i];
            }
        }
        return x;
    }
}
