package dev.shear.train;

import dev.shear.engine.HostTensor;
import java.util.Map;
import java.util.Optional;

/** Where a training loop saves and finds its state; the stage wires it to files. */
public interface Checkpointer {
    /** Saved state: the step reached, every tensor needed to continue, and free-form metadata. */
    record State(long step, Map<String, HostTensor> tensors, Map<String, Object> meta) {}

    void save(State state);

    /** The newest intact state, if any (a corrupt newest file falls back to the one before). */
    Optional<State> latest();

    Checkpointer NONE = new Checkpointer() {
        @Override public void save(State state) {}
        @Override public Optional<State> latest() { return Optional.empty(); }
    };
}
