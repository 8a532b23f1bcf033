package dev.shear.model;

import dev.shear.engine.Tensor;

/** A linear map y = x W^T + b, possibly with adapters on top (see the lora package). */
public interface Projection {
    /** Module name, e.g. {@code model.layers.3.self_attn.q_proj}. */
    String name();

    /** The frozen base weight (out, in). */
    Tensor weight();

    /** The base bias (out), or null. */
    Tensor bias();

    /** (..., in) → (..., out). */
    Tensor forward(Tensor x);
}
