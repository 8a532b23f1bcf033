package dev.shear.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Progress;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The NaN/Inf guard: a NaN put into a base weight makes every following step non-finite; the loop
 * skips them, rolls back to the last checkpoint (which restores the clean weight) with half the
 * learning rate, and records each event; if the failure persists it stops with a message.
 */
class TrainingLoopGuardTest {
    /** Poisons one base weight with NaN after the given steps (each at most once, or every time if sticky). */
    static final class Poison implements TrainingLoop.StepHook {
        final CausalLm model;
        final long from;
        final boolean sticky;
        boolean done;

        Poison(CausalLm model, long from, boolean sticky) {
            this.model = model;
            this.from = from;
            this.sticky = sticky;
        }

        @Override public boolean afterStep(long k) {
            if (k >= from && (sticky || !done)) {
                done = true;
                Tensor w = model.params().get("model.norm.weight");
                float[] v = new float[(int) w.shape()[0]];
                Arrays.fill(v, 1f);
                v[3] = Float.NaN;
                try (StepScope s = Engine.openScope(model.store())) { w.assign(v); }
            }
            return true;
        }
    }

    record Outcome(TrainingLoop.Summary summary, Map<String, HostTensor> weights) {}

    static Outcome train(int steps, boolean sticky) {
        try (CausalLm model = CausalLm.random(TrainingLoopResumeTest.CFG, 1, DType.F32)) {
            LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 4, 8, 0.1, 2));
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                TrainingLoop.Settings s = new TrainingLoop.Settings(steps, new LrSchedule(1e-2, 3, 20, 0.1), 5, 9, 3);
                TrainingLoop.Summary sum = TrainingLoop.run(ad, opt, s, TrainingLoopResumeTest.data(), new Poison(model, 5, sticky), Progress.NONE,
                        new TrainingLoopResumeTest.MemoryCheckpoints());
                ad.close();
                return new Outcome(sum, model.toHost());
            }
        }
    }

    @Test void nonFiniteStepsAreSkippedThenRolledBackWithHalfTheLearningRate() {
        Outcome o = train(12, false);
        // step 5 runs and then poisons; steps 6, 7, 8 are non-finite; the third triggers the rollback to the step-5 checkpoint
        List<TrainingLoop.Event> ev = o.summary().events().stream().filter(e -> !e.kind().equals("slow")).toList();
        assertEquals(List.of(
                new TrainingLoop.Event(6, "nonfinite", "loss NaN, step skipped"),
                new TrainingLoop.Event(7, "nonfinite", "loss NaN, step skipped"),
                new TrainingLoop.Event(8, "nonfinite", "loss NaN, step skipped"),
                new TrainingLoop.Event(8, "rollback", "to step 5, lr scale 0.5")), ev);
        assertEquals(12, o.summary().losses().size(), "5 losses restored from the checkpoint, then steps 5..11");
        assertTrue(o.summary().losses().stream().allMatch(Double::isFinite));
        for (Map.Entry<String, HostTensor> e : o.weights().entrySet())
            for (float f : e.getValue().data()) assertTrue(Float.isFinite(f), e.getKey() + " is finite after the rollback");
    }

    @Test void persistentFailureStopsWithAMessage() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> train(40, true));
        assertTrue(e.getMessage().startsWith("training diverged: non-finite loss persists after 4 rollbacks"), e.getMessage());
    }
}
