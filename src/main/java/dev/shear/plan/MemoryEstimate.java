package dev.shear.plan;

/**
 * Predicted peak memory of one workload, in bytes, split by what holds it.
 *
 * @param weights     frozen base weights in their stored dtype, plus rotary tables (twice in recovery:
 *                    the unpruned reference model is loaded too)
 * @param lora        adapter parameters and their gradients (fp32)
 * @param optimizer   AdamW moments (fp32)
 * @param activations tensors kept from the forward pass until the step ends
 * @param workspace   short-lived tensors at the peak: backward's gradients, a recomputed layer,
 *                    widened fp16 weights
 * @param runtime     the engine and JVM themselves (measured on the CPU; assumed on a GPU), and the
 *                    allocator's hold on freed blocks
 * @param host        heap held besides the device: a whole-model load map, base snapshots
 */
public record MemoryEstimate(long weights, long lora, long optimizer, long activations, long workspace, long runtime, long host) {
    /** Peak of the device's memory; on the CPU host and device are one pool, so host counts too. */
    public long devicePeak(boolean gpu) { return weights + lora + optimizer + activations + workspace + runtime + (gpu ? 0 : host); }
}
