package dev.shear.prune;

/**
 * LHSPG schedule and mode.
 *
 * @param warmupSteps  T_w: LoRA-only steps before the first period
 * @param periods      P: each adds its share of the redundant structures
 * @param periodLength T_p: steps over which a period's structures decay to zero
 * @param epsilon      ε of the half-space test ⟨x̃, x⟩ < ε‖x‖² (0 disables early zeroing)
 * @param mode         PAPER: absorb s·BA, shrink, project, merge important BA at period end;
 *                     REFERENCE: the released code's linear decay of W and B rows only
 * @param lr           COSINE: the usual warm-up and cosine decay over the pruning steps;
 *                     CONSTANT: warm up over T_w (at most 10 steps), then hold the peak, since the
 *                     structures still decaying need LoRA at full rate until the last period ends
 */
public record LhspgSettings(int warmupSteps, int periods, int periodLength, double epsilon, Mode mode, LrShape lr) {
    public enum Mode { PAPER, REFERENCE }

    public enum LrShape {
        COSINE, CONSTANT;

        public static LrShape parse(String s) {
            for (LrShape v : values()) if (v.name().equalsIgnoreCase(s)) return v;
            throw new IllegalArgumentException("lr shape '" + s + "': expected constant or cosine");
        }
    }

    public LhspgSettings(int warmupSteps, int periods, int periodLength, double epsilon, Mode mode) {
        this(warmupSteps, periods, periodLength, epsilon, mode, LrShape.COSINE);
    }

    public LhspgSettings {
        if (warmupSteps < 0 || periods < 1 || periodLength < 1)
            throw new IllegalArgumentException("lhspg: warmup " + warmupSteps + ", periods " + periods + ", period length " + periodLength + " out of range");
        if (epsilon < 0 || epsilon >= 1) throw new IllegalArgumentException("lhspg: epsilon " + epsilon + " must be in [0, 1)");
        java.util.Objects.requireNonNull(lr, "lr");
    }

    public LhspgSettings withLr(LrShape shape) { return new LhspgSettings(warmupSteps, periods, periodLength, epsilon, mode, shape); }

    public int totalSteps() { return warmupSteps + periods * periodLength; }
}
