package dev.shear.engine;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Records the forward pass for one backward call. Only one may be open per JVM: DJL allows one gradient collector at a time.
 * Code that ran part of the forward untaped (activation checkpointing) registers the rest of its
 * backward with {@link #afterBackward}; {@link #backward(Tensor)} runs it.
 */
public final class GradientTape implements AutoCloseable {
    private static volatile GradientTape active;
    private final GradientCollector collector;
    private final Deque<Runnable> pending = new ArrayDeque<>();

    private GradientTape() { this.collector = ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector(); }

    public static GradientTape record() {
        Engine.root();
        GradientTape tape = new GradientTape();
        active = tape;
        return tape;
    }

    /** The open tape, or null when none records. */
    public static GradientTape active() { return active; }

    /** Backward from a scalar loss, then every registered continuation, last registered first. */
    public void backward(Tensor loss) {
        collector.backward(loss.nd());
        runPending();
    }

    /**
     * Vector-Jacobian product: backward from a non-scalar output given dLoss/dOutput (same shape).
     * Gradients add into every leaf that requires them, as for a loss.
     */
    public void backward(Tensor output, Tensor gradOutput) {
        JniUtils.backward((PtNDArray) output.nd(), (PtNDArray) gradOutput.nd(), false, false);
    }

    /** Work to run after the next {@link #backward(Tensor)}, e.g. recomputing checkpointed layers. */
    public void afterBackward(Runnable continuation) { pending.push(continuation); }

    private void runPending() {
        while (!pending.isEmpty()) pending.pop().run();
    }

    /** Stops recording until the returned handle closes (no autograd graph, nothing saved for backward). */
    public static Paused pause() { return new Paused(); }

    /** Restores the recording state on close; throws nothing. */
    public static final class Paused implements AutoCloseable {
        private final boolean was = JniUtils.isGradMode();

        private Paused() { JniUtils.setGradMode(false); }

        @Override public void close() { JniUtils.setGradMode(was); }
    }

    @Override public void close() {
        pending.clear();
        if (active == this) active = null;
        collector.close();
        // DJL's collector restores the thread's previous switch, and libtorch starts every thread recording
        // (DJL turns it off only on the thread that loads the engine): off, as on that thread, whatever thread this is
        JniUtils.setGradMode(false);
    }
}
