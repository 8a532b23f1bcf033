package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.graph.Cluster;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.HandTable;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.lora.LoraLinear;
import dev.shear.model.Architecture;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.ModelCost;
import dev.shear.model.RopeLayout;
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
        check(cfg, withLora ? new LoraConfig(LoraConfig.ALL_TARGETS, 4, 8, 0, 1) : null, true);
    }

    /** LLaMA structures come from the hand table, NeoX ones from the traced graph. */
    void check(ModelConfig cfg, LoraConfig lora, boolean analyticCounts) {
        try (CausalLm model = CausalLm.random(cfg, 11, DType.F32)) {
            LoraAdapters ad = lora != null ? LoraAdapters.insert(model, lora) : null;
            if (ad != null) randomizeB(ad);
            StructureSet set = cfg.architecture() == Architecture.NEOX ? DependencyGraph.trace(model).structures()
                    : HandTable.llama(model, ad == null ? java.util.Set.of() : ad.modules().keySet());
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
                assertEquals(java.util.Set.copyOf(removed), java.util.Set.copyOf(Zeros.structures(model, set)));
                if (analyticCounts) assertAnalyticCounts(cfg, set, removed, compact);
            }
        }
    }

    /**
     * Issue 4, test 3: each compact layer has the widths the removals leave, and exactly heads x
     * per-head + KV heads x per-KV-head + channels x per-channel + fixed parameters, counted by hand
     * here and by {@link ModelCost}.
     */
    static void assertAnalyticCounts(ModelConfig cfg, StructureSet set, List<StructureRef> removed, CausalLm compact) {
        Map<String, dev.shear.engine.HostTensor> w = compact.toHost();
        long d = cfg.hiddenSize(), total = 0;
        for (int i = 0; i < cfg.numLayers(); i++) {
            final int layer = i;
            LayerWidths before = cfg.layer(i);
            long groups = removed.stream().filter(r -> set.group(r).layer() == layer && set.group(r).cluster() == Cluster.ATTENTION).count();
            long channels = removed.stream().filter(r -> set.group(r).layer() == layer && set.group(r).cluster() == Cluster.MLP).count();
            int hd = before.headDim(), heads = before.numHeads() - (int) groups * before.groupSize(), kv = before.numKvHeads() - (int) groups;
            int mlp = before.intermediateSize() - (int) channels;
            assertEquals(heads == 0 ? new LayerWidths(0, 0, hd, mlp) : new LayerWidths(heads, kv, hd, mlp), compact.config().layer(i), "layer " + i);
            long perHead = 2L * hd * d + (cfg.attentionBias() ? hd : 0), perKv = 2L * hd * d + (cfg.attentionBias() ? 2L * hd : 0);
            long want = heads * perHead + kv * perKv + mlp * 3L * d + 2 * d + (cfg.outputBias() ? 2 * d : 0);
            String prefix = "model.layers." + i + ".";
            long got = w.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(e -> e.getValue().numel()).sum();
            assertEquals(want, got, "layer " + i + " parameters");
            assertEquals(want, ModelCost.of(compact.config(), 1, 4).layerParams().get(i));
            total += want;
        }
        total += (cfg.tiedEmbeddings() ? 1 : 2) * cfg.vocabSize() * d + d;
        assertEquals(total, compact.numParams());
        assertEquals(total, ModelCost.of(compact.config(), 1, 4).params());
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

    @Test void pythiaCompactMatchesMasked() {
        ModelConfig pythia = new ModelConfig(Architecture.NEOX, 64, 96, 64, java.util.Collections.nCopies(2, new LayerWidths(4, 4, 16, 96)),
                1e-5, 10000.0, RopeLayout.HALF, 0.25, false, true, true, true, true, 0, 0);
        check(pythia, null, false);
        check(pythia, new LoraConfig(List.of("qkv", "dense", "h_to_4h", "4h_to_h"), 4, 8, 0, 1), false);
    }

    @Test void qkvBiasesCompactMatchesMasked() { check(ModelConfig.llama(32, 48, 2, 4, 2, 64, 32, true).withBiases(true, true), true); }
}
