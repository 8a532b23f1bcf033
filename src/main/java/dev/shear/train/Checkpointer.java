package dev.shear.train;

import dev.shear.engine.HostTensor;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Where a training loop saves and finds its state; the stage wires it to files. */
public interface Checkpointer {
    /** Saved state: the step reached, every tensor needed to continue, and free-form metadata. */
    record State(long step, Map<String, HostTensor> tensors, Map<String, Object> meta) {}

    void save(State state);

    /**
     * The newest intact state that {@code problem} accepts (it returns null, or why the state cannot
     * be resumed from); a corrupt or unusable newest one falls back to the one before, with a message.
     */
    Optional<State> latest(Function<State, String> problem);

    /** The newest intact state, if any. */
    default Optional<State> latest() { return latest(s -> null); }

    /**
     * Why a state does not fit a run that needs these tensors in these shapes (a checkpoint of
     * another model, or one whose bytes were changed together with its checksum), or null.
     */
    static String mismatch(State s, Map<String, long[]> expected) {
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            HostTensor t = s.tensors().get(e.getKey());
            if (t == null) return "it has no tensor " + e.getKey() + ", expected one of shape " + Arrays.toString(e.getValue());
            if (!Arrays.equals(t.shape(), e.getValue()))
                return e.getKey() + " is " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(e.getValue());
            for (float v : t.data()) if (!Float.isFinite(v)) return e.getKey() + " holds NaN or Inf, expected finite values";
        }
        return null;
    }

    Checkpointer NONE = new Checkpointer() {
        @Override public void save(State state) {}
        @Override public Optional<State> latest(Function<State, String> problem) { return Optional.empty(); }
    };
}
