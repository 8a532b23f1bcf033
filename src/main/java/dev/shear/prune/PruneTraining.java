package dev.shear.prune;

import dev.shear.data.BatchSource;
import dev.shear.data.TokenBatch;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import dev.shear.train.AdamW;
import dev.shear.train.Distillation;
import dev.shear.train.LrSchedule;
import dev.shear.train.TrainingLoop;
import java.util.ArrayList;
import java.util.List;

/** The LoRA training and calibration draws that pruning methods share. */
final class PruneTraining {
    private PruneTraining() {}

    /** Trains the target's adapters for {@code steps} steps with the run's data, checkpoints and progress; the hook sees every step. */
    static TrainingLoop.Summary train(LoraAdapters ad, PruneSettings s, int steps, boolean progressive, TrainingLoop.StepHook hook,
                                      PruneRun.Context ctx) {
        try (AdamW opt = new AdamW(ad.trainable(), s.training().adamw(), ad.store())) {
            LrSchedule lr = ctx.sharedSchedule() != null ? ctx.sharedSchedule() : schedule(s, steps, progressive);
            TrainingLoop.Settings ts = new TrainingLoop.Settings(steps, lr, s.training().checkpointEvery(), s.seed(), 3,
                    Distillation.loss(s.training().distill(), ctx.teacher()));
            return TrainingLoop.run(ad, opt, ts, ctx.data(), hook, ctx.progress(), ctx.checkpoints());
        }
    }

    /** The pruning run's learning rate: LHSPG's CONSTANT shape holds the peak after warming up over T_w (at most 10 steps). */
    static LrSchedule schedule(PruneSettings s, int steps, boolean progressive) {
        if (progressive && s.schedule().lrShape() == LhspgSchedule.LrShape.CONSTANT)
            return new LrSchedule(s.training().lr(), Math.max(1, Math.min(10, s.schedule().warmup())), Math.max(1, steps), 1.0);
        return new LrSchedule(s.training().lr(), Math.min(10, Math.max(0, steps - 1)), Math.max(1, steps), 0.1);
    }

    /** Second moments of the given modules' inputs over the run's calibration draws, on the model as it is now. */
    static Calibration secondMoments(CausalLm model, BatchSource data, PruneSettings s, java.util.Set<String> modules) {
        return Calibration.collect(model, calibrationBatches(data, s), false, modules);
    }

    /**
     * Calibration statistics from the settings' number of batches, drawn at negative steps so they never repeat a training step.
     *
     * @param offload where to collect them when the model is still the base model as loaded; null collects them here
     */
    static Calibration calibrate(CausalLm model, BatchSource data, PruneSettings s, boolean gradients, PruneRun.Offload offload) {
        List<TokenBatch> batches = calibrationBatches(data, s);
        return offload != null ? offload.calibrate(batches, gradients) : Calibration.collect(model, batches, gradients);
    }

    /** The settings' number of calibration draws, at negative steps so they never repeat a training step. */
    private static List<TokenBatch> calibrationBatches(BatchSource data, PruneSettings s) {
        List<TokenBatch> batches = new ArrayList<>();
        for (int i = 0; i < s.calibBatches(); i++) batches.addAll(data.batches(-1 - i));
        return batches;
    }
}
