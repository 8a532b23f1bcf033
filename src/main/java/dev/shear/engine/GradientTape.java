package dev.shear.engine;

import ai.djl.training.GradientCollector;

/** Records the forward pass for one backward call. Only one may be open per JVM (engine-notes trap 7). */
public final class GradientTape implements AutoCloseable {
    private final GradientCollector collector;

    private GradientTape() { this.collector = ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector(); }

    public static GradientTape record() {
        Engine.root();
        return new GradientTape();
    }

    public void backward(Tensor loss) { collector.backward(loss.nd()); }

    @Override public void close() { collector.close(); }
}
