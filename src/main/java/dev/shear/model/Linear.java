package dev.shear.model;

import dev.shear.engine.Tensor;
import java.util.function.BiConsumer;

/** The plain base projection. */
public final class Linear implements Projection {
    private final String name;
    private final Tensor weight;
    private final Tensor bias;
    private final ActivationTap tap;

    public Linear(String name, Tensor weight, Tensor bias, ActivationTap tap) {
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.tap = tap;
    }

    @Override public String name() { return name; }
    @Override public Tensor weight() { return weight; }
    @Override public Tensor bias() { return bias; }

    @Override public Tensor forward(Tensor x) {
        tap.observe(name, x);
        return x.linear(weight, bias);
    }

    /** Lets calibration code see each projection's input (Wanda, FLAP). */
    public static final class ActivationTap {
        private BiConsumer<String, Tensor> observer;

        public void set(BiConsumer<String, Tensor> observer) { this.observer = observer; }

        public void observe(String name, Tensor x) { if (observer != null) observer.accept(name, x); }
    }
}
