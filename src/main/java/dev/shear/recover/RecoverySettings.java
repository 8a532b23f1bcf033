package dev.shear.recover;

import dev.shear.lora.LoraConfig;

/**
 * Budgets and knobs of the pretraining-mixture stage.
 *
 * @param tau            τ: lower clamp of a source's degradation in the sampling weights
 * @param floor          minimum share of every source per round
 * @param minImprovement stop when the mean relative validation-perplexity gain of a round falls below this
 */
public record RecoverySettings(int rounds, int stepsPerRound, int batch, int seqLen, double lr, int warmupSteps,
                               double tau, double floor, double minImprovement, int minTokens, LoraConfig lora,
                               int checkpointEvery, long seed, boolean dynamic) {
    public RecoverySettings {
        if (rounds < 1 || stepsPerRound < 0 || batch < 1 || seqLen < 2)
            throw new IllegalArgumentException("recovery: rounds " + rounds + ", steps " + stepsPerRound + ", batch " + batch + ", seq " + seqLen + " out of range");
        if (lr <= 0) throw new IllegalArgumentException("recovery: lr " + lr + " must be positive");
    }

    public static RecoverySettings defaults(long seed) {
        return new RecoverySettings(3, 100, 8, 256, 1e-3, 10, 0.05, 0.1, 0.01, 64,
                new LoraConfig(LoraConfig.ALL_TARGETS, 8, 16, 0.05, seed), 50, seed, true);
    }

    public RecoverySettings withBudget(int newRounds, int steps) {
        return new RecoverySettings(newRounds, steps, batch, seqLen, lr, warmupSteps, tau, floor, minImprovement, minTokens, lora, checkpointEvery, seed, dynamic);
    }

    public RecoverySettings withDynamic(boolean on) {
        return new RecoverySettings(rounds, stepsPerRound, batch, seqLen, lr, warmupSteps, tau, floor, minImprovement, minTokens, lora, checkpointEvery, seed, on);
    }
}
