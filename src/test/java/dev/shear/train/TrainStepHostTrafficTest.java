package dev.shear.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Device;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTraffic;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The device-agnostic training path, exercised on the CPU: a LoRA step crosses between host and
 * engine only for its batch (ids, targets, loss weights up) and two scalars (loss, gradient norm
 * down), whatever the model's size, base precision or checkpointing. On a GPU anything more would
 * be a PCIe copy inside the step.
 */
class TrainStepHostTrafficTest {
    static final int B = 2, T = 12;

    @Test void stepMovesOnlyTheBatchUpAndTwoScalarsDown() {
        Engine.useDevice(Device.CPU);
        ModelConfig small = ModelConfig.llama(16, 32, 2, 4, 2, 40, 32, false);
        ModelConfig wider = ModelConfig.llama(48, 96, 3, 6, 3, 64, 32, true);
        HostTraffic expected = new HostTraffic(3, 3L * B * T, 2, 2);
        for (ModelConfig cfg : List.of(small, wider)) {
            assertEquals(expected, secondStep(cfg, DType.F32, false), "fp32 base " + cfg.hiddenSize());
            assertEquals(expected, secondStep(cfg, DType.F32, true), "fp32 base, checkpointed " + cfg.hiddenSize());
            assertEquals(expected, secondStep(cfg, DType.F16, true), "fp16 base, checkpointed " + cfg.hiddenSize());
        }
    }

    /** Host traffic of the second step, when AdamW already holds its moments. */
    private static HostTraffic secondStep(ModelConfig cfg, DType base, boolean checkpoint) {
        try (CausalLm model = CausalLm.random(cfg, 3, base)) {
            model.setCheckpointActivations(checkpoint);
            LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 4, 8, 0.1, 1));
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                List<TokenBatch> batch = List.of(batch(cfg.vocabSize()));
                TrainStep.run(ad, opt, batch, 1e-3);
                HostTraffic before = HostTraffic.now();
                TrainStep.run(ad, opt, batch, 1e-3);
                return HostTraffic.now().since(before);
            }
        }
    }

    private static TokenBatch batch(int vocab) {
        Random r = new Random(9);
        int[][] rows = new int[B][T + 1];
        for (int[] row : rows) for (int j = 0; j < row.length; j++) row[j] = r.nextInt(vocab);
        return TokenBatch.causal(rows);
    }
}
