package dev.shear.recover;

import dev.shear.train.TrainingSettings;
import java.util.Objects;

/**
 * The pretraining-mixture stage of recovery. Its defaults are the built-in recovery spec's.
 *
 * @param rounds         rounds of measure, re-weigh, train, merge
 * @param stepsPerRound  LoRA steps of each round
 * @param warmupSteps    learning-rate warm-up of each round
 * @param minImprovement stop when a round's mean relative validation-perplexity gain falls below this (negative: never)
 * @param mixture        how the sources are filtered and weighed
 * @param training       each round's LoRA training (a fresh adapter per round, merged at its end)
 * @param seed           the run's seed: each round's adapter, draws and dropout derive from it
 */
public record RecoverySettings(int rounds, int stepsPerRound, int warmupSteps, double minImprovement, MixtureSettings mixture,
                               TrainingSettings training, long seed) {
    public RecoverySettings {
        if (rounds < 1) throw new IllegalArgumentException("rounds " + rounds + " must be >= 1");
        if (stepsPerRound < 0) throw new IllegalArgumentException("steps_per_round " + stepsPerRound + " must be >= 0");
        if (warmupSteps < 0) throw new IllegalArgumentException("warmup_steps " + warmupSteps + " must be >= 0");
        if (Double.isNaN(minImprovement)) throw new IllegalArgumentException("min_improvement NaN must be a number (negative: never stop early)");
        Objects.requireNonNull(mixture, "mixture");
        Objects.requireNonNull(training, "training");
    }

    /** {@code rounds} rounds of {@code steps} steps each. */
    public RecoverySettings withBudget(int newRounds, int steps) {
        return new RecoverySettings(newRounds, steps, warmupSteps, minImprovement, mixture, training, seed);
    }

    public RecoverySettings withWarmupSteps(int v) { return new RecoverySettings(rounds, stepsPerRound, v, minImprovement, mixture, training, seed); }

    public RecoverySettings withMinImprovement(double v) { return new RecoverySettings(rounds, stepsPerRound, warmupSteps, v, mixture, training, seed); }

    public RecoverySettings withMixture(MixtureSettings v) { return new RecoverySettings(rounds, stepsPerRound, warmupSteps, minImprovement, v, training, seed); }

    public RecoverySettings withTraining(TrainingSettings v) { return new RecoverySettings(rounds, stepsPerRound, warmupSteps, minImprovement, mixture, v, seed); }

    public RecoverySettings withSeed(long v) { return new RecoverySettings(rounds, stepsPerRound, warmupSteps, minImprovement, mixture, training, v); }
}
