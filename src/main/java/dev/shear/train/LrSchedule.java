package dev.shear.train;

/** Linear warm-up to the peak, then cosine decay to minRatio × peak at totalSteps. */
public record LrSchedule(double peak, int warmupSteps, int totalSteps, double minRatio) {
    public LrSchedule {
        if (peak <= 0 || warmupSteps < 0 || totalSteps < 1 || minRatio < 0 || minRatio > 1)
            throw new IllegalArgumentException("lr schedule: peak " + peak + ", warmup " + warmupSteps + ", total " + totalSteps
                    + ", min ratio " + minRatio + " out of range");
    }

    /** Learning rate for 0-based step k. */
    public double at(long k) {
        if (k < warmupSteps) return peak * (k + 1) / warmupSteps;
        double progress = Math.min(1.0, (double) (k - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
