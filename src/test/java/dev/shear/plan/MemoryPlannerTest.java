package dev.shear.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Tensor;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.Architecture;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.testing.SmallModels;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The planner's exact terms against the objects Shear really builds: base weights (and rotary tables)
 * in the model's store, adapter and AdamW bytes in theirs, for LLaMA with grouped queries, biases and
 * per-layer widths and for NeoX with partial rotary, fp32 and fp16 bases.
 */
class MemoryPlannerTest {
    @Test void weightLoraAndOptimizerTermsEqualWhatTheModelHolds() {
        for (ModelConfig cfg : List.of(SmallModels.llamaPerLayer(), SmallModels.neoxPerLayer())) {
            for (DType base : List.of(DType.F32, DType.F16)) {
                for (Phase p : List.of(Phase.LHSPG, Phase.LORA_STEP)) {
                    LoraConfig lora = neoxTargets(cfg, p.defaultLora(4));
                    MemoryEstimate e = MemoryPlanner.estimate(new Workload(cfg, p, 2, 8, base, false, lora, true, true));
                    try (CausalLm m = CausalLm.random(cfg, 1, base)) {
                        LoraAdapters ad = LoraAdapters.insert(m, lora);
                        try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                            String what = cfg.architecture() + " " + base + " " + p;
                            assertEquals(m.store().bytes(), e.weights(), what + ": weights");
                            long adapters = 0;
                            for (Tensor t : ad.trainable()) adapters += t.numel() * 4;
                            assertTrue(adapters > 0, what);
                            assertEquals(2 * adapters, e.lora(), what + ": A, B and their gradients");
                            assertEquals(2 * adapters, e.optimizer(), what + ": AdamW moments");
                        }
                        ad.discard();
                    }
                }
            }
        }
    }

    /** Recovery also loads the unpruned reference; LHSPG holds two fp32 host copies, KDA one, evaluation none. */
    @Test void stagesAddTheirReferenceModelAndHostCopies() {
        ModelConfig cfg = SmallModels.llamaPerLayer();
        long params;
        try (CausalLm m = CausalLm.random(cfg, 1, DType.F32)) { params = m.numParams(); }
        MemoryEstimate step = estimate(cfg, Phase.LORA_STEP), rec = estimate(cfg, Phase.RECOVERY);
        assertEquals(2 * step.weights(), rec.weights());
        assertEquals(step.activations(), rec.activations());
        long buffers = estimate(cfg, Phase.EVALUATION).host();
        assertEquals(buffers + params * 4, estimate(cfg, Phase.KDA).host());
        assertEquals(buffers + 2 * params * 4, estimate(cfg, Phase.LHSPG).host());
    }

    private static MemoryEstimate estimate(ModelConfig cfg, Phase p) {
        return MemoryPlanner.estimate(new Workload(cfg, p, 2, 8, DType.F32, true, p.defaultLora(4), true, true));
    }

    /** The stage defaults name LLaMA modules; NeoX's fused projections get the equivalent targets. */
    private static LoraConfig neoxTargets(ModelConfig cfg, LoraConfig lora) {
        if (cfg.architecture() != Architecture.NEOX) return lora;
        return new LoraConfig(List.of("qkv", "dense", "h_to_4h", "4h_to_h"), lora.rank(), lora.alpha(), lora.dropout(), 0);
    }
}
