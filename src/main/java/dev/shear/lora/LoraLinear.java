package dev.shear.lora;

import dev.shear.engine.Ops;
import dev.shear.engine.Tensor;
import dev.shear.model.Projection;

/**
 * y = W x + b + s · B (A · dropout(x)). A (r, in) and B (out, r) are the only trainable tensors;
 * parameters are named {@code <module>.lora_A.weight} and {@code <module>.lora_B.weight}.
 */
public final class LoraLinear implements Projection {
    private final Projection base;
    private final Tensor a;
    private final Tensor b;
    private final double scale;
    private final double dropout;
    private boolean training;

    LoraLinear(Projection base, Tensor a, Tensor b, double scale, double dropout) {
        this.base = base;
        this.a = a;
        this.b = b;
        this.scale = scale;
        this.dropout = dropout;
    }

    @Override public String name() { return base.name(); }
    @Override public Tensor weight() { return base.weight(); }
    @Override public Tensor bias() { return base.bias(); }

    public Projection base() { return base; }
    public Tensor loraA() { return a; }
    public Tensor loraB() { return b; }
    public double scale() { return scale; }

    void setTraining(boolean on) { training = on; }

    @Override public Tensor forward(Tensor x) {
        Tensor y = base.forward(x);                                              // (..., out)
        Tensor low = Ops.dropout(x, dropout, training).linear(a, null);          // (..., r)
        return y.add(low.linear(b, null).mul(scale));
    }
}
