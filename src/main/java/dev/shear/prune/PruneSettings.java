package dev.shear.prune;

import dev.shear.model.WidthAlignment;
import dev.shear.train.TrainingSettings;
import java.util.Objects;

/**
 * One pruning run. The defaults live in one place, the bundled pipeline defaults that `./shear run`,
 * `./shear prune` and the Java API start from.
 *
 * @param ratio        fraction of all parameters to remove (embeddings count in the total)
 * @param allocation   how the target is spread over the node groups; AUTO lets the method choose
 * @param align        rounding of each layer's kept MLP channels ({@link WidthAlignment#NONE} keeps the budget's counts)
 * @param calibBatches calibration batches for the activation and gradient criteria
 * @param schedule     LHSPG's warm-up, periods and steps, and the learning rate's shape
 * @param training     pruning-time LoRA training
 * @param kda          the knowledge distribution analysis
 * @param seed         the run's seed: LoRA's initial A, the data draws, dropout and the random criterion
 */
public record PruneSettings(Method method, double ratio, Allocation allocation, WidthAlignment align, int calibBatches,
                            LhspgSchedule schedule, TrainingSettings training, KdaSettings kda, long seed) {
    public PruneSettings {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(allocation, "allocation");
        Objects.requireNonNull(align, "align");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(kda, "kda");
        if (!(ratio > 0 && ratio < 1)) throw new IllegalArgumentException("ratio " + ratio + " must be in (0, 1)");
        if (calibBatches < 0) throw new IllegalArgumentException("calib_batches " + calibBatches + " must be >= 0");
    }

    public PruneSettings withMethod(Method v) { return new PruneSettings(v, ratio, allocation, align, calibBatches, schedule, training, kda, seed); }

    public PruneSettings withRatio(double v) { return new PruneSettings(method, v, allocation, align, calibBatches, schedule, training, kda, seed); }

    public PruneSettings withAllocation(Allocation v) { return new PruneSettings(method, ratio, v, align, calibBatches, schedule, training, kda, seed); }

    public PruneSettings withAlign(WidthAlignment v) { return new PruneSettings(method, ratio, allocation, v, calibBatches, schedule, training, kda, seed); }

    public PruneSettings withCalibBatches(int v) { return new PruneSettings(method, ratio, allocation, align, v, schedule, training, kda, seed); }

    public PruneSettings withSchedule(LhspgSchedule v) { return new PruneSettings(method, ratio, allocation, align, calibBatches, v, training, kda, seed); }

    public PruneSettings withTraining(TrainingSettings v) { return new PruneSettings(method, ratio, allocation, align, calibBatches, schedule, v, kda, seed); }

    public PruneSettings withKda(KdaSettings v) { return new PruneSettings(method, ratio, allocation, align, calibBatches, schedule, training, v, seed); }

    public PruneSettings withSeed(long v) { return new PruneSettings(method, ratio, allocation, align, calibBatches, schedule, training, kda, v); }
}
