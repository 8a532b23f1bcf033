package dev.shear.engine;

/**
 * Progress of long work, reported on the working thread: evaluation passes, training loops, the
 * knowledge distribution analysis, pipeline stages. One interface everywhere, so a caller hands one
 * object down; the CLI draws progress bars from it, a library user may log it or pass {@link #NONE}.
 * Only {@link #step} must be implemented.
 */
@FunctionalInterface
public interface Progress extends AutoCloseable {
    Progress NONE = (done, total) -> {};

    /** {@code done} of {@code total} units are finished; total may grow while the work learns its size. */
    void step(long done, long total);

    /** A training step finished, with its loss and the tokens it scored; by default it counts as a step. */
    default void trained(long step, long total, double loss, long tokens) { step(step, total); }

    /**
     * Progress of a named part of the work (a stage, one model's evaluation) of {@code total} units;
     * closing it ends the part. By default the part reports here, and closing it does nothing.
     */
    default Progress task(String name, long total) {
        Progress parent = this;
        return new Progress() {
            @Override public void step(long done, long all) { parent.step(done, all); }
            @Override public void trained(long step, long all, double loss, long tokens) { parent.trained(step, all, loss, tokens); }
            @Override public Progress task(String sub, long units) { return parent.task(sub, units); }
        };
    }

    /** This progress seen from a part that starts {@code offset} units into {@code total} (one round of several). */
    default Progress offset(long offset, long total) {
        Progress parent = this;
        return new Progress() {
            @Override public void step(long done, long all) { parent.step(offset + done, total); }
            @Override public void trained(long step, long all, double loss, long tokens) { parent.trained(offset + step, total, loss, tokens); }
            @Override public Progress task(String sub, long units) { return parent.task(sub, units); }
        };
    }

    /** Ends this part of the work; throws nothing, so try-with-resources needs no catch. */
    @Override default void close() {}
}
