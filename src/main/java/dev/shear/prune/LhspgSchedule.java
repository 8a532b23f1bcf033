package dev.shear.prune;

import java.util.Objects;

/**
 * When LHSPG removes structures, how long LoRA trains meanwhile, and the learning rate's shape.
 *
 * @param warmup       T_w: LoRA-only steps before the first period
 * @param periods      P: each adds its share of the redundant structures
 * @param periodLength T_p: steps over which a period's structures decay to zero
 * @param steps        LoRA steps of the pruning run: 0 for exactly T_w + P·T_p, more to let LoRA train
 *                     on after the last period
 * @param epsilon      ε of the half-space test ⟨x̃, x⟩ < ε‖x‖² (0 disables early zeroing)
 * @param lrShape      COSINE: the usual warm-up and cosine decay over the pruning steps;
 *                     CONSTANT: warm up over T_w (at most 10 steps), then hold the peak, since the
 *                     structures still decaying need LoRA at full rate until the last period ends
 */
public record LhspgSchedule(int warmup, int periods, int periodLength, int steps, double epsilon, LrShape lrShape) implements java.io.Serializable {
    public enum LrShape { CONSTANT, COSINE }

    public LhspgSchedule {
        if (warmup < 0) throw new IllegalArgumentException("warmup " + warmup + " must be >= 0");
        if (periods < 1) throw new IllegalArgumentException("periods " + periods + " must be >= 1");
        if (periodLength < 1) throw new IllegalArgumentException("period_length " + periodLength + " must be >= 1");
        if ((long) warmup + (long) periods * periodLength > Integer.MAX_VALUE)
            throw new IllegalArgumentException("warmup " + warmup + " + periods " + periods + " x period_length " + periodLength + " must be below 2^31 steps");
        if (steps != 0 && steps < warmup + periods * periodLength)
            throw new IllegalArgumentException("steps " + steps + " must cover warm-up plus periods x period length = " + (warmup + periods * periodLength));
        if (!(epsilon >= 0 && epsilon < 1)) throw new IllegalArgumentException("epsilon " + epsilon + " must be in [0, 1)");
        Objects.requireNonNull(lrShape, "lr_shape");
    }

    /** T_w, P and T_p; as many steps as they take, no early zeroing, cosine learning rate. */
    public static LhspgSchedule of(int warmup, int periods, int periodLength) {
        return new LhspgSchedule(warmup, periods, periodLength, 0, 0.0, LrShape.COSINE);
    }

    /** T_w + P·T_p: the step at which the last period ends. */
    public int totalSteps() { return warmup + periods * periodLength; }

    /** The LoRA steps a progressive run takes. */
    public int trainSteps() { return steps == 0 ? totalSteps() : steps; }

    public LhspgSchedule withWarmup(int n) { return new LhspgSchedule(n, periods, periodLength, steps, epsilon, lrShape); }

    public LhspgSchedule withPeriods(int n) { return new LhspgSchedule(warmup, n, periodLength, steps, epsilon, lrShape); }

    public LhspgSchedule withPeriodLength(int n) { return new LhspgSchedule(warmup, periods, n, steps, epsilon, lrShape); }

    public LhspgSchedule withSteps(int n) { return new LhspgSchedule(warmup, periods, periodLength, n, epsilon, lrShape); }

    public LhspgSchedule withEpsilon(double e) { return new LhspgSchedule(warmup, periods, periodLength, steps, e, lrShape); }

    public LhspgSchedule withLrShape(LrShape shape) { return new LhspgSchedule(warmup, periods, periodLength, steps, epsilon, shape); }
}
