package dev.shear.train;

import java.util.Collections;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * Flags training steps much slower than the running median. Subnormal (denormal) floats make CPU
 * kernels about 180x slower and libtorch gives no flush-to-zero switch, so a run that silently drifts
 * into tiny activations shows up here as steps 10-30x slower than usual. The process CPU time of the
 * step tells the two causes of a slow step apart: subnormal arithmetic burns CPU time too, while other
 * processes taking the cores stretch only the wall time.
 */
public final class SlowSteps {
    /** A step slower than this multiple of the median is flagged. */
    public static final double FACTOR = 10;
    /** Steps measured before any is judged (the first ones include warm-up). */
    public static final int MIN_SAMPLES = 5;

    private final double factor;
    private final int minSamples;
    private final RunningMedian wall = new RunningMedian(), cpu = new RunningMedian();
    private int flagged;

    public SlowSteps() { this(FACTOR, MIN_SAMPLES); }

    public SlowSteps(double factor, int minSamples) {
        if (!(factor > 1)) throw new IllegalArgumentException("slow-step factor " + factor + " must be > 1");
        if (minSamples < 1) throw new IllegalArgumentException("minimum samples " + minSamples + " must be >= 1");
        this.factor = factor;
        this.minSamples = minSamples;
    }

    /**
     * Records one step's wall time and process CPU time (NaN if unknown); returns a warning if the wall
     * time is more than factor x the median of the steps before it. The step joins the medians either
     * way, so a lasting slowdown is reported while the median catches up and then no more.
     */
    public Optional<String> record(double wallSeconds, double cpuSeconds) {
        Optional<String> out = Optional.empty();
        if (wall.count() >= minSamples) {
            double med = wall.median();
            if (wallSeconds > factor * med) {
                flagged++;
                String why;
                if (!Double.isFinite(cpuSeconds) || cpu.count() < minSamples || !(cpu.median() > 0)) why = "subnormal numbers, or a busy machine?";
                else {
                    double r = cpuSeconds / cpu.median();
                    why = String.format("CPU time %.3f s, %.1fx its median: %s", cpuSeconds, r,
                            r >= factor / 2 ? "compute-bound, subnormal numbers in activations or weights?" : "the cores were busy with other work");
                }
                out = Optional.of(String.format("step took %.3f s, %.1fx the median %.3f s (%s)", wallSeconds, wallSeconds / med, med, why));
            }
        }
        wall.add(wallSeconds);
        if (Double.isFinite(cpuSeconds)) cpu.add(cpuSeconds);
        return out;
    }

    /** Median wall time of the steps recorded so far (NaN before the first). */
    public double median() { return wall.median(); }

    public int count() { return wall.count(); }

    /** Steps flagged so far. */
    public int flagged() { return flagged; }

    /** Median of a growing series in O(log n) per value: two heaps holding the lower and upper halves. */
    private static final class RunningMedian {
        private final PriorityQueue<Double> lower = new PriorityQueue<>(Collections.reverseOrder());
        private final PriorityQueue<Double> upper = new PriorityQueue<>();

        void add(double x) {
            if (lower.isEmpty() || x <= lower.peek()) lower.add(x); else upper.add(x);
            if (lower.size() > upper.size() + 1) upper.add(lower.poll());
            else if (upper.size() > lower.size()) lower.add(upper.poll());
        }

        double median() {
            if (lower.isEmpty()) return Double.NaN;
            return lower.size() > upper.size() ? lower.peek() : (lower.peek() + upper.peek()) / 2;
        }

        int count() { return lower.size() + upper.size(); }
    }
}
