package dev.shear.eval;

import dev.shear.engine.Engine;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class with one libtorch thread and restores the count after. Small models are
 * op-overhead bound, and on a busy 2-core box two OpenMP threads stall at every barrier
 * (measured: 44 s instead of 2 s for the TinyStories golden).
 */
final class OneEngineThread implements BeforeAllCallback, AfterAllCallback {
    private int before;

    @Override public void beforeAll(ExtensionContext context) {
        before = Engine.threads();
        Engine.setThreads(1);
    }

    @Override public void afterAll(ExtensionContext context) { Engine.setThreads(before); }
}
