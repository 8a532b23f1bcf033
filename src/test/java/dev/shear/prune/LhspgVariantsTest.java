package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Progress;
import dev.shear.graph.Cluster;
import dev.shear.graph.Cut;
import dev.shear.graph.HandTable;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.LrSchedule;
import dev.shear.train.TrainingLoop;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The measured LHSPG variants' mechanics: the selection preview and the constant learning rate. */
class LhspgVariantsTest {
    private static StructureSet traced;

    private static Map<String, HostTensor> prune(LhspgSchedule s, PeriodPreview preview) {
        try (CausalLm model = CausalLm.random(LhspgPrunerTest.CFG, 3, DType.F32)) {
            LoraAdapters ad = LoraAdapters.insert(model, LoraConfig.paperDefaults(5));
            StructureSet set = HandTable.llama(model, ad.modules().keySet());
            traced = set;
            Map<Cluster, Integer> k = new EnumMap<>(Cluster.class);
            k.put(Cluster.ATTENTION, 2);
            k.put(Cluster.MLP, 12);
            LhspgPruner p = new LhspgPruner(model, ad, set, k, s, LhspgPruner.Mode.PAPER, new LoraShearSaliency(true));
            if (preview != null) p.withPreview(preview);
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                TrainingLoop.run(ad, opt, new TrainingLoop.Settings(s.totalSteps(), new LrSchedule(1e-2, 0, 100, 1), 0, 1, 3),
                        LhspgPrunerTest.data(), p, Progress.NONE, dev.shear.train.Checkpointer.NONE);
            }
            ad.close();
            return model.toHost();
        }
    }

    @Test void previewSeesEachSelectionRemovedAndLeavesTheRunUnchanged() {
        LhspgSchedule s = LhspgSchedule.of(2, 2, 3);
        List<Integer> sizes = new ArrayList<>();
        Map<String, HostTensor> withPreview = prune(s, (m, chosen) -> {
            Map<String, HostTensor> w = m.toHost();
            for (StructureRef r : chosen)
                for (Cut c : traced.get(r).zeroed())
                    if (w.containsKey(c.param())) assertEquals(0.0, SliceMath.sumSquares(w.get(c.param()), c), "previewed structure " + r + " is not removed");
            sizes.add(chosen.size());
        });
        assertEquals(List.of(7, 7), sizes, "one preview per period, K // P structures each");
        Map<String, HostTensor> without = prune(s, null);
        for (String name : without.keySet())
            assertArrayEquals(without.get(name).data(), withPreview.get(name).data(), name + " differs: the preview did not restore the weights bit-exactly");
    }

    @Test void previewStateRidesInThePrunersCheckpointState() {
        double[] held = {0.25, 0.75};
        List<List<Double>> restored = new ArrayList<>();
        PeriodPreview p = new PeriodPreview() {
            @Override public void accept(CausalLm m, List<StructureRef> selection) {}
            @Override public List<Double> state() { return List.of(held[0], held[1]); }
            @Override public void restore(List<Double> st) { restored.add(st); }
        };
        try (CausalLm model = CausalLm.random(LhspgPrunerTest.CFG, 3, DType.F32)) {
            LoraAdapters ad = LoraAdapters.insert(model, LoraConfig.paperDefaults(5));
            StructureSet set = HandTable.llama(model, ad.modules().keySet());
            LhspgPruner pruner = new LhspgPruner(model, ad, set, Map.of(Cluster.MLP, 2), LhspgSchedule.of(1, 1, 2), LhspgPruner.Mode.PAPER, new LoraShearSaliency(true))
                    .withPreview(p);
            Map<String, Object> st = pruner.state();
            assertEquals(List.of(0.25, 0.75), st.get("preview"));
            pruner.restore(st);
            assertEquals(List.of(List.of(0.25, 0.75)), restored);
            ad.discard();
        }
    }

    @Test void constantShapeHoldsThePeakAfterWarmUp() {
        PruneSettings constant = TestSettings.of(Method.LORASHEAR_ACTIVATION, 0.2, 0);
        PruneSettings cosine = constant.withSchedule(constant.schedule().withLrShape(LhspgSchedule.LrShape.COSINE));
        LrSchedule c = PruneTraining.schedule(constant, 25, true), d = PruneTraining.schedule(cosine, 25, true);
        for (int k = 0; k < 5; k++) assertEquals(1e-3 * (k + 1) / 5, c.at(k), 1e-12, "warm-up over T_w, step " + k);
        for (int k = 5; k < 25; k++) assertEquals(1e-3, c.at(k), 1e-12, "held at the peak, step " + k);
        assertTrue(d.at(24) < 0.2e-3, "the cosine shape decays towards 0.1 x peak");
    }
}
