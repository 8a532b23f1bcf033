package dev.shear.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Device;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.model.CausalLm;
import dev.shear.testing.Golden;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.TrainStep;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * LoRA over an fp16 stories260K base: adapters, gradients and optimizer state stay fp32 and on the
 * model's device, the step matches the fp32-base step closely, and checkpointing does not change it.
 */
class HalfBaseTrainingTest {
    @Test void fp16BaseTrainsFp32AdaptersOnTheModelsDevice() {
        Engine.useDevice(Device.CPU);             // the device-agnostic path, exercised on the CPU
        LoadedModel lm = ModelFolder.load(Golden.storiesBin());
        TokenBatch batch = batch();
        double[] full = step(lm, DType.F32, false, batch), half = step(lm, DType.F16, false, batch);
        double[] halfCkpt = step(lm, DType.F16, true, batch);
        System.out.printf("stories260K LoRA step: loss fp32 base %.6f, fp16 base %.6f; grad norm %.6f vs %.6f%n",
                full[0], half[0], full[1], half[1]);
        assertTrue(Math.abs(full[0] - half[0]) < 1e-3 * full[0], "loss fp32 " + full[0] + " vs fp16 " + half[0]);
        assertTrue(Math.abs(full[1] - half[1]) / full[1] < 1e-2, "grad norm fp32 " + full[1] + " vs fp16 " + half[1]);
        assertEquals(half[0], halfCkpt[0], 0.0);
        assertEquals(half[1], halfCkpt[1], 1e-6 * half[1]);
    }

    /** Loss and gradient norm of one LoRA step; checks dtypes and devices of everything it touched. */
    private static double[] step(LoadedModel lm, DType base, boolean checkpoint, TokenBatch batch) {
        try (CausalLm model = CausalLm.fromWeights(lm.config(), lm.weights(), base)) {
            model.setCheckpointActivations(checkpoint);
            LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 8, 16, 0, 1));
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                TrainStep.Result r = TrainStep.run(ad, opt, List.of(batch), 1e-3);
                assertTrue(r.applied());
                try (StepScope s = Engine.openScope(model.store(), ad.store())) {
                    for (Tensor p : model.params().values()) assertEquals(base, p.dtype(), p.name());
                    for (Tensor p : ad.trainable()) {
                        assertEquals(DType.F32, p.dtype(), p.name());
                        assertEquals(model.device(), p.device(), p.name());
                    }
                }
                return new double[] {r.loss(), r.gradNorm()};
            }
        }
    }

    private static TokenBatch batch() {
        Random r = new Random(4);
        int[][] rows = new int[4][65];
        for (int[] row : rows) for (int j = 0; j < row.length; j++) row[j] = 1 + r.nextInt(511);
        return TokenBatch.causal(rows);
    }
}
