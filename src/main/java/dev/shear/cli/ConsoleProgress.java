package dev.shear.cli;

import dev.shear.engine.Progress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars with ETA on stderr, so stdout stays clean for results: {@link #root()} draws nothing
 * itself and opens one bar per {@link Progress#task}; a training bar shows the loss and tokens/s.
 */
final class ConsoleProgress implements Progress {
    private final ProgressBar bar;
    private long t0 = System.nanoTime();
    private long tokens;
    private boolean training;

    private ConsoleProgress(String task, long total) {
        this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(Math.max(1, total)).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(500)
                .showSpeed().build();
    }

    /** Where the commands report: each task gets its own bar. */
    static Progress root() {
        return new Progress() {
            @Override public void step(long done, long total) {}
            @Override public Progress task(String name, long total) { return new ConsoleProgress(name, total); }
        };
    }

    /** One bar for one task. */
    static ConsoleProgress bar(String task, long total) { return new ConsoleProgress(task, total); }

    @Override public void step(long done, long total) {
        bar.maxHint(Math.max(1, total));
        bar.stepTo(done);
    }

    @Override public void trained(long step, long total, double loss, long stepTokens) {
        if (!training) {           // ETA and tok/s from the first step on, not from work before it (KDA, calibration)
            training = true;
            bar.reset();
            t0 = System.nanoTime();
            return;
        }
        tokens += stepTokens;
        double secs = (System.nanoTime() - t0) / 1e9;
        step(step, total);
        bar.setExtraMessage(String.format(" loss %.3f, %.0f tok/s", loss, tokens / Math.max(secs, 1e-9)));
    }

    @Override public Progress task(String name, long total) { return new ConsoleProgress(name, total); }

    @Override public void close() { bar.close(); }
}
