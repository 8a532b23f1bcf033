package dev.shear.eval;

/** Receives progress of a long evaluation; the CLI attaches a progress bar. Called on the evaluating thread. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (done, total) -> {};

    void step(long done, long total);
}
