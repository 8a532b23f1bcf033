package dev.shear.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bypassing the adapters runs the base model exactly, and puts the adapters back untouched. */
class LoraBypassTest {
    private static float[] logits(CausalLm m) {
        try (StepScope s = Engine.openScope(m.store())) {
            return m.forward(s.tokens(new int[][] {{1, 5, 9, 2, 7}})).toFloats();   // (1, T, V)
        }
    }

    @Test void bypassedIsTheBaseModelAndTheAdaptersComeBack() {
        try (CausalLm m = CausalLm.random(ModelConfig.llama(32, 48, 2, 4, 2, 64, 16, false), 3, DType.F32)) {
            float[] base = logits(m);
            LoraAdapters ad = LoraAdapters.insert(m, new LoraConfig(LoraConfig.ALL_TARGETS, 2, 4, 0.0, 1));
            Map<String, HostTensor> factors = new LinkedHashMap<>(ad.toHost());
            Random r = new Random(2);
            factors.replaceAll((k, v) -> {
                float[] d = v.data().clone();
                if (k.endsWith("lora_B.weight")) for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
                return new HostTensor(v.shape(), d);
            });
            ad.load(factors);
            float[] adapted = logits(m);
            assertFalse(Arrays.equals(base, adapted), "non-zero B must change the logits");
            assertArrayEquals(base, ad.bypassed(() -> logits(m)), 0f, "bypassed: the base projections alone");
            assertArrayEquals(adapted, logits(m), 0f, "the adapters are back");
            assertTrue(ad.toHost().keySet().equals(factors.keySet()));
            ad.discard();
        }
    }
}
