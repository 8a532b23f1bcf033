package dev.shear.pipeline;

/**
 * Whether resident memory stayed in a flat band over a long run: the least-squares slope, and the
 * mean of the first third of the samples against the last third, must both move less than the
 * tolerance (16 MiB or 2% of the early mean, whichever is larger).
 */
public record SoakVerdict(double slopeMibPer1000Steps, double firstThirdMib, double lastThirdMib, double minMib, double maxMib,
                   double trendMib, double toleranceMib, boolean flat) {
    public static final double MIN_TOLERANCE_MIB = 16, RELATIVE_TOLERANCE = 0.02;

    /** @param steps the step of each sample (increasing); rss the resident set in MiB at that step; at least 3 samples */
    public static SoakVerdict of(long[] steps, double[] rss) {
        int n = rss.length;
        if (n < 3 || steps.length != n) throw new IllegalArgumentException("soak verdict needs at least 3 samples, got " + n);
        double ms = 0, mr = 0;
        for (int i = 0; i < n; i++) {
            ms += steps[i];
            mr += rss[i];
        }
        ms /= n;
        mr /= n;
        double sxy = 0, sxx = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            sxy += (steps[i] - ms) * (rss[i] - mr);
            sxx += (steps[i] - ms) * (steps[i] - ms);
            min = Math.min(min, rss[i]);
            max = Math.max(max, rss[i]);
        }
        double slope = sxx == 0 ? 0 : sxy / sxx;                         // MiB per step
        int third = n / 3;
        double first = mean(rss, 0, third), last = mean(rss, n - third, n);
        double trend = slope * (steps[n - 1] - steps[0]);                // growth the fitted line predicts over the run
        double tol = Math.max(MIN_TOLERANCE_MIB, RELATIVE_TOLERANCE * first);
        boolean flat = Math.abs(last - first) <= tol && Math.abs(trend) <= tol;
        return new SoakVerdict(1000 * slope, first, last, min, max, trend, tol, flat);
    }

    private static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += v[i];
        return s / (to - from);
    }

    public String describe() {
        return String.format("RSS %s: slope %+.2f MiB per 1000 steps (fitted change over the run %+.1f MiB), first third %.1f MiB, "
                        + "last third %.1f MiB (%+.1f), band %.1f-%.1f MiB; tolerance %.1f MiB",
                flat ? "FLAT" : "GROWING", slopeMibPer1000Steps, trendMib, firstThirdMib, lastThirdMib, lastThirdMib - firstThirdMib,
                minMib, maxMib, toleranceMib);
    }
}
