package dev.shear.train;

/** Updates trainable tensors from their accumulated gradients, then zeroes the gradients. */
public interface Optimizer {
    void step(double lr);

    /** Steps taken so far. */
    long steps();
}
