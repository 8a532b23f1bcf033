package dev.shear.train;

/**
 * Linear warm-up to the peak, then cosine decay to minRatio × peak at totalSteps.
 *
 * @param offset steps already taken under this schedule by an earlier run (pruning-time training
 *               before recovery, when both share one schedule); step k of this run is step offset + k
 */
public record LrSchedule(double peak, int warmupSteps, int totalSteps, double minRatio, long offset) {
    public LrSchedule(double peak, int warmupSteps, int totalSteps, double minRatio) {
        this(peak, warmupSteps, totalSteps, minRatio, 0);
    }

    /** The same schedule, continued after {@code steps} more steps. */
    public LrSchedule after(long steps) { return new LrSchedule(peak, warmupSteps, totalSteps, minRatio, offset + steps); }

    public LrSchedule {
        if (offset < 0) throw new IllegalArgumentException("lr schedule offset " + offset + " must be >= 0");
        if (peak <= 0 || warmupSteps < 0 || totalSteps < 1 || minRatio < 0 || minRatio > 1)
            throw new IllegalArgumentException("lr schedule: peak " + peak + ", warmup " + warmupSteps + ", total " + totalSteps
                    + ", min ratio " + minRatio + " out of range");
    }

    /** Learning rate for 0-based step k. */
    public double at(long step) {
        long k = step + offset;
        if (k < warmupSteps) return peak * (k + 1) / warmupSteps;
        double progress = Math.min(1.0, (double) (k - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
