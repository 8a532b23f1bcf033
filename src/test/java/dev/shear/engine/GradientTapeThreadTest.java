package dev.shear.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * libtorch's recording switch is per thread and on by default; the engine turns it off only on the
 * thread that loads it. A closed tape must leave it off on any thread, or an optimizer's in-place
 * update of a leaf fails there (a cluster's executors train on threads of their own).
 */
class GradientTapeThreadTest {
    @Test void aTapeClosedOnAnotherThreadLeavesRecordingOff() throws Exception {
        Engine.root();                                      // the engine loaded on this thread
        AtomicBoolean recording = new AtomicBoolean(true);
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                try (GradientTape tape = GradientTape.record()) { /* a training step's forward and backward would go here */ }
                recording.set(JniUtils.isGradMode());
            } catch (Throwable e) {
                error.set(e);
            }
        });
        t.start();
        t.join();
        assertNull(error.get());
        assertFalse(recording.get(), "recording still on after the tape closed");
    }
}
