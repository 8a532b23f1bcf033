package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.lora.LoraLinear;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompactorTest {
    static final int[][] TOKENS = {{1, 7, 3, 9, 22, 5, 17, 30, 2, 11}};

    static float[] logits(CausalLm m) {
        try (StepScope s = Engine.openScope(m.store())) { return m.forward(s.tokens(TOKENS)).toFloats(); }
    }

    static double maxRelDiff(float[] a, float[] b) {
        double worst = 0, scale = 0;
        for (float v : a) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
        return worst;
    }

    static List<StructureRef> randomSubset(StructureSet set, Random rnd, double frac) {
        List<StructureRef> out = new ArrayList<>();
        for (StructureRef r : set.all()) if (rnd.nextDouble() < frac) out.add(r);
        return out;
    }

    void check(ModelConfig cfg, boolean withLora) {
        try (CausalLm model = CausalLm.random(cfg, 11, DType.F32)) {
            LoraAdapters ad = withLora ? LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 4, 8, 0, 1)) : null;
            if (ad != null) randomizeB(ad);
            StructureSet set = HandTable.llama(model, ad == null ? java.util.Set.of() : ad.modules().keySet());
            List<StructureRef> removed = randomSubset(set, new Random(4), 0.4);
            Masking.zero(model, ad, set, removed);
            if (ad != null) ad.close();                                  // merge into the base weights
            float[] masked = logits(model);
            long before = model.numParams();
            try (CausalLm compact = Compactor.compact(model, set, removed, Map.of())) {
                double diff = maxRelDiff(masked, logits(compact));
                assertTrue(diff < 1e-5, "compact logits differ from masked by " + diff);
                long removedParams = removed.stream().mapToLong(r -> set.get(r).params()).sum();
                assertEquals(before - removedParams, compact.numParams(), "parameter count after compaction");
                assertEquals(removed.size(), removed.size());
                assertEquals(java.util.Set.copyOf(removed), java.util.Set.copyOf(Compactor.zeroStructures(model, set)));
            }
        }
    }

    static void randomizeB(LoraAdapters ad) {
        Random rnd = new Random(2);
        try (StepScope s = Engine.openScope(ad.store())) {
            for (LoraLinear l : ad.modules().values()) {
                float[] b = new float[(int) l.loraB().numel()];
                for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian() * 0.05f;
                l.loraB().assign(b);
            }
        }
    }

    @Test void multiHeadCompactMatchesMasked() { check(ModelConfig.llama(32, 48, 2, 4, 4, 64, 32, false), false); }

    @Test void groupedQueryWithMergedLoraCompactMatchesMasked() { check(ModelConfig.llama(32, 48, 3, 8, 2, 64, 32, true), true); }

    @Test void qkvBiasesCompactMatchesMasked() { check(ModelConfig.llama(32, 48, 2, 4, 2, 64, 32, true).withBiases(true, true), true); }
}
