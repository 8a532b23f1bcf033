package dev.shear.eval;

/** A mean of 0/1 outcomes with lm-eval's standard error: sample std (n-1) / sqrt(n); 0 when n < 2. */
record Accuracy(double mean, double stderr) {
    static Accuracy of(int correct, int n) {
        double p = (double) correct / n;
        double se = n < 2 ? 0 : Math.sqrt(p * (1 - p) / (n - 1));
        return new Accuracy(p, se);
    }
}
