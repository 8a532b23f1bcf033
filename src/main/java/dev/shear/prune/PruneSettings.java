package dev.shear.prune;

import dev.shear.lora.LoraConfig;
import dev.shear.model.WidthAlignment;
import java.util.List;

/**
 * One pruning run.
 *
 * @param ratio        fraction of total parameters to remove
 * @param trainSteps   LoRA steps for progressive methods (must cover lhspg.totalSteps()); warm-up for lorashear-oneshot
 * @param kdaRatios    ratios of the knowledge distribution analysis; empty skips it
 * @param gammaU       γ_u: fraction of node groups KDA marks unprunable
 * @param calibBatches calibration batches for activation and gradient criteria
 * @param align        rounding of each layer's kept MLP channels ({@link WidthAlignment#NONE} keeps the budget's counts)
 * @param allocation   how the target is spread over the node groups; {@link Allocation#KDA} needs a KDA result
 */
public record PruneSettings(Method method, double ratio, LhspgSettings lhspg, int trainSteps, LoraConfig lora, double lr,
                            int batch, int seqLen, List<Double> kdaRatios, double gammaU, int calibBatches,
                            int checkpointEvery, long seed, WidthAlignment align, Allocation allocation) {
    public PruneSettings {
        kdaRatios = List.copyOf(kdaRatios);
        java.util.Objects.requireNonNull(align, "align");
        java.util.Objects.requireNonNull(allocation, "allocation");
        if (ratio <= 0 || ratio >= 1) throw new IllegalArgumentException("ratio " + ratio + " must be in (0, 1)");
        if (gammaU < 0 || gammaU >= 1) throw new IllegalArgumentException("gamma_u " + gammaU + " must be in [0, 1)");
        if (method.progressive() && trainSteps < lhspg.totalSteps())
            throw new IllegalArgumentException("steps " + trainSteps + " must cover warm-up plus periods x period length = " + lhspg.totalSteps());
    }

    /** Without width alignment. */
    public PruneSettings(Method method, double ratio, LhspgSettings lhspg, int trainSteps, LoraConfig lora, double lr, int batch, int seqLen,
                         List<Double> kdaRatios, double gammaU, int calibBatches, int checkpointEvery, long seed) {
        this(method, ratio, lhspg, trainSteps, lora, lr, batch, seqLen, kdaRatios, gammaU, calibBatches, checkpointEvery, seed, WidthAlignment.NONE,
                Allocation.UNIFORM);
    }

    public static PruneSettings defaults(Method method, double ratio, long seed) {
        LhspgSettings l = new LhspgSettings(5, 2, 10, 0.0, method == Method.REFERENCE ? LhspgSettings.Mode.REFERENCE : LhspgSettings.Mode.PAPER,
                LhspgSettings.LrShape.CONSTANT);
        return new PruneSettings(method, ratio, l, l.totalSteps(), LoraConfig.paperDefaults(seed), 1e-3, 8, 256,
                List.of(0.2, 0.5), 0.15, 4, 25, seed);
    }

    public PruneSettings withMethod(Method m) {
        LhspgSettings l = new LhspgSettings(lhspg.warmupSteps(), lhspg.periods(), lhspg.periodLength(), lhspg.epsilon(),
                m == Method.REFERENCE ? LhspgSettings.Mode.REFERENCE : LhspgSettings.Mode.PAPER, lhspg.lr());
        return new PruneSettings(m, ratio, l, Math.max(trainSteps, l.totalSteps()), lora, lr, batch, seqLen, kdaRatios, gammaU, calibBatches, checkpointEvery, seed, align, allocation);
    }

    public PruneSettings withLhspg(LhspgSettings l) {
        return new PruneSettings(method, ratio, l, Math.max(trainSteps, l.totalSteps()), lora, lr, batch, seqLen, kdaRatios, gammaU, calibBatches, checkpointEvery, seed, align, allocation);
    }

    public PruneSettings withTrainSteps(int steps) {
        return new PruneSettings(method, ratio, lhspg, steps, lora, lr, batch, seqLen, kdaRatios, gammaU, calibBatches, checkpointEvery, seed, align, allocation);
    }

    public PruneSettings withKda(List<Double> ratios) {
        return new PruneSettings(method, ratio, lhspg, trainSteps, lora, lr, batch, seqLen, ratios, gammaU, calibBatches, checkpointEvery, seed, align, allocation);
    }

    public PruneSettings withAlign(WidthAlignment a) {
        return new PruneSettings(method, ratio, lhspg, trainSteps, lora, lr, batch, seqLen, kdaRatios, gammaU, calibBatches, checkpointEvery, seed, a, allocation);
    }

    public PruneSettings withAllocation(Allocation a) {
        return new PruneSettings(method, ratio, lhspg, trainSteps, lora, lr, batch, seqLen, kdaRatios, gammaU, calibBatches, checkpointEvery, seed, align, a);
    }
}
