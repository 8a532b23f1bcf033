package dev.shear.lora;

import java.util.Collections;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * Flags training steps much slower than the running median. Subnormal (denormal) floats make CPU
 * kernels about 180x slower and libtorch gives no flush-to-zero switch, so a run that silently drifts
 * into tiny activations shows up here as steps 10-30x slower than usual.
 */
public final class SlowSteps {
    /** A step slower than this multiple of the median is flagged. */
    public static final double FACTOR = 10;
    /** Steps measured before any is judged (the first ones include warm-up). */
    public static final int MIN_SAMPLES = 5;

    private final double factor;
    private final int minSamples;
    private final PriorityQueue<Double> lower = new PriorityQueue<>(Collections.reverseOrder());   // max-heap: smaller half
    private final PriorityQueue<Double> upper = new PriorityQueue<>();                             // min-heap: larger half
    private int flagged;

    public SlowSteps() { this(FACTOR, MIN_SAMPLES); }

    public SlowSteps(double factor, int minSamples) {
        if (!(factor > 1)) throw new IllegalArgumentException("slow-step factor " + factor + " must be > 1");
        if (minSamples < 1) throw new IllegalArgumentException("minimum samples " + minSamples + " must be >= 1");
        this.factor = factor;
        this.minSamples = minSamples;
    }

    /**
     * Records one step's wall time; returns a warning if it took more than factor x the median of the
     * steps before it. The step joins the median either way, so a lasting slowdown is reported while
     * the median catches up and then no more.
     */
    public Optional<String> record(double seconds) {
        Optional<String> out = Optional.empty();
        if (count() >= minSamples) {
            double med = median();
            if (seconds > factor * med) {
                flagged++;
                out = Optional.of(String.format("step took %.3f s, %.1fx the median %.3f s (subnormal numbers in activations or weights?)",
                        seconds, seconds / med, med));
            }
        }
        if (lower.isEmpty() || seconds <= lower.peek()) lower.add(seconds); else upper.add(seconds);
        if (lower.size() > upper.size() + 1) upper.add(lower.poll());
        else if (upper.size() > lower.size()) lower.add(upper.poll());
        return out;
    }

    /** Median of the steps recorded so far (NaN before the first). */
    public double median() {
        if (lower.isEmpty()) return Double.NaN;
        return lower.size() > upper.size() ? lower.peek() : (lower.peek() + upper.peek()) / 2;
    }

    public int count() { return lower.size() + upper.size(); }

    /** Steps flagged so far. */
    public int flagged() { return flagged; }
}
