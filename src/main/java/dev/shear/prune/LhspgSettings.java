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
 */
public record LhspgSettings(int warmupSteps, int periods, int periodLength, double epsilon, Mode mode) {
    public enum Mode { PAPER, REFERENCE }

    public LhspgSettings {
        if (warmupSteps < 0 || periods < 1 || periodLength < 1)
            throw new IllegalArgumentException("lhspg: warmup " + warmupSteps + ", periods " + periods + ", period length " + periodLength + " out of range");
        if (epsilon < 0 || epsilon >= 1) throw new IllegalArgumentException("lhspg: epsilon " + epsilon + " must be in [0, 1)");
    }

    public int totalSteps() { return warmupSteps + periods * periodLength; }
}
