package dev.shear.train;

/**
 * AdamW hyper-parameters; decay is decoupled (p -= lr * wd * p), as Loshchilov and Hutter.
 *
 * @param maxGradNorm global-norm clipping threshold; 0 disables clipping
 */
public record AdamWConfig(double beta1, double beta2, double eps, double weightDecay, double maxGradNorm) {
    public AdamWConfig {
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1)
            throw new IllegalArgumentException("adamw betas (" + beta1 + ", " + beta2 + ") must be in [0, 1)");
        if (eps <= 0 || weightDecay < 0 || maxGradNorm < 0)
            throw new IllegalArgumentException("adamw eps " + eps + " must be > 0, weight decay " + weightDecay + " and clip " + maxGradNorm + " >= 0");
    }

    public static AdamWConfig defaults() { return new AdamWConfig(0.9, 0.999, 1e-8, 0.0, 1.0); }
}
