package dev.shear.cli;

import dev.shear.train.TrainingLoop;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars with ETA on stderr, so stdout stays clean for results. */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private long t0 = System.nanoTime();
    private long tokens;
    private boolean training;

    public Progress(String task, long total) {
        this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(Math.max(1, total)).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(500)
                .showSpeed().build();
    }

    public void stepTo(long done) { bar.stepTo(done); }

    /** For callbacks that learn the total as they go. */
    public void update(long done, long total) {
        bar.maxHint(Math.max(1, total));
        bar.stepTo(done);
    }

    public void extra(String message) { bar.setExtraMessage(message); }

    /** A training listener showing loss and tokens/s. */
    public TrainingLoop.Listener listener() {
        return (step, total, r) -> {
            if (!training) {           // ETA and tok/s from the first step on, not from work before it (KDA, calibration)
                training = true;
                bar.reset();
                t0 = System.nanoTime();
                return;
            }
            tokens += r.tokens();
            double secs = (System.nanoTime() - t0) / 1e9;
            bar.maxHint(total);
            bar.stepTo(step);
            bar.setExtraMessage(String.format(" loss %.3f, %.0f tok/s", r.loss(), tokens / Math.max(secs, 1e-9)));
        };
    }

    @Override public void close() { bar.close(); }
}
