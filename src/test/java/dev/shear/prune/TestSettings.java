package dev.shear.prune;

import dev.shear.lora.LoraConfig;
import dev.shear.model.WidthAlignment;
import dev.shear.train.TrainingSettings;
import java.util.List;

/** Pruning settings the tests build on: T_w 5, P 2, T_p 10, constant LR, lr 1e-3, batch 8 x 256, KDA at 0.2 and 0.5 with γ_u 0.15, uniform allocation. */
final class TestSettings {
    private TestSettings() {}

    static PruneSettings of(Method m, double ratio, long seed) {
        return new PruneSettings(m, ratio, Allocation.UNIFORM, WidthAlignment.NONE, 4,
                new LhspgSchedule(5, 2, 10, 0, 0.0, LhspgSchedule.LrShape.CONSTANT),
                new TrainingSettings(1e-3, 8, 256, 25, LoraConfig.paperDefaults(seed)), new KdaSettings(List.of(0.2, 0.5), 0.15), seed);
    }
}
