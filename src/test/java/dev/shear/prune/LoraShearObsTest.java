package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.BatchSource;
import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Ops;
import dev.shear.engine.Progress;
import dev.shear.engine.StepScope;
import dev.shear.graph.Cluster;
import dev.shear.graph.HandTable;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.model.WidthAlignment;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.LrSchedule;
import dev.shear.train.TrainingLoop;
import dev.shear.train.TrainingSettings;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The pieces of the default lorashear (lorashear-obs): KDA priced by OBS removal, LHSPG periods that remove by OBS. */
class LoraShearObsTest {
    static final ModelConfig CFG = ModelConfig.llama(32, 40, 3, 4, 2, 64, 32, true);
    static final TokenBatch PROBE = TokenBatch.causal(new int[][] {{1, 4, 9, 16, 25, 36, 49, 8, 3, 2, 60, 7, 11}});

    static double probe(CausalLm m) {
        try (StepScope s = Engine.openScope(m.store())) {
            return Math.exp(Ops.tokenNll(m.forward(s.tokens(PROBE.inputs())), s.tokens(PROBE.targets())).mean().item());
        }
    }

    static List<TokenBatch> calibration() {
        List<TokenBatch> out = new ArrayList<>();
        for (int k = 0; k < 2; k++) out.addAll(LhspgPrunerTest.data().batches(-1 - k));
        return out;
    }

    @Test void spreadGivesEvenSharesThatSumToTheCount() {
        for (int periods = 1; periods <= 6; periods++)
            for (int k = 0; k <= 23; k++) {
                int[] s = LhspgPruner.spread(k, periods);
                assertEquals(k, java.util.Arrays.stream(s).sum());
                for (int v : s) assertTrue(v == k / periods || v == k / periods + 1, "k " + k + " P " + periods + ": " + java.util.Arrays.toString(s));
            }
        assertArrayEquals(new int[] {0, 1, 0, 1}, LhspgPruner.spread(2, 4), "two of four periods' worth, apart");
    }

    /** Each curve point is the probe after OBS removes and compensates that group alone; the model comes back bit-exact. */
    @Test void obsKdaPricesTheCompensatedRemovalAndRestoresTheModel() {
        try (CausalLm model = CausalLm.random(CFG, 2, DType.F32)) {
            Map<String, HostTensor> before = model.toHost();
            StructureSet set = HandTable.llama(model, java.util.Set.of());
            List<StructureRef> all = new ArrayList<>();
            for (Cluster c : Cluster.values()) all.addAll(set.prunable(c));
            Calibration calib = Calibration.collect(model, calibration(), false, ObsSelection.modules(set, all));
            KnowledgeDistribution.Result r = KnowledgeDistribution.analyseObs(model, set, List.of(0.25, 0.5), 0.0, LoraShearObsTest::probe,
                    calib, ObsSelection.RIDGE, Progress.NONE);
            Map<String, HostTensor> after = model.toHost();
            for (String k : before.keySet()) assertArrayEquals(before.get(k).data(), after.get(k).data(), 0f, k);
            assertEquals(set.groups().size(), r.rows().size());
            assertTrue(r.unprunableGroups().isEmpty(), "gamma_u 0 protects nothing");
            for (KnowledgeDistribution.Row row : r.rows()) {
                int n = set.groups().get(row.group()).structures().size();
                for (int i = 0; i < 2; i++) {
                    int k = Math.min(n - 1, (int) Math.floor(List.of(0.25, 0.5).get(i) * n));
                    // independently: a fresh copy, OBS on that group alone, mask, probe
                    try (CausalLm copy = CausalLm.fromWeights(CFG, before, DType.F32)) {
                        List<StructureRef> chosen = ObsSelection.selectAndCompensate(copy, set, Map.of(row.group(), k), calib, ObsSelection.RIDGE);
                        assertEquals(k, chosen.size());
                        Masking.zero(copy, null, set, chosen);
                        assertEquals(probe(copy), row.ppl().get(i), 1e-6 * row.ppl().get(i), row.id() + " at " + k);
                    }
                }
            }
        }
    }

    /** OBS mode: each group loses exactly its quota, spread evenly over the periods, and what it lost is exactly zero. */
    @Test void obsPeriodsRemoveEachGroupsQuotaSpreadEvenly() {
        LhspgSchedule s = LhspgSchedule.of(2, 3, 2);
        try (CausalLm model = CausalLm.random(CFG, 3, DType.F32)) {
            LoraAdapters ad = LoraAdapters.insert(model, LoraConfig.paperDefaults(5));
            StructureSet set = HandTable.llama(model, ad.modules().keySet());
            Map<Integer, Integer> quotas = new TreeMap<>();
            for (int g = 0; g < set.groups().size(); g++) quotas.put(g, set.groups().get(g).cluster() == Cluster.MLP ? 2 + g % 3 : g % 2);
            Map<Cluster, Integer> counts = new EnumMap<>(Cluster.class);
            quotas.forEach((g, q) -> counts.merge(set.groups().get(g).cluster(), q, Integer::sum));
            LhspgPruner p = new LhspgPruner(model, ad, set, counts, s, LhspgPruner.Mode.OBS, new WandaSpSaliency())
                    .withObs(mods -> Calibration.collect(model, calibration(), false, mods), ObsSelection.RIDGE);
            p.withQuotas(quotas);
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                TrainingLoop.run(ad, opt, new TrainingLoop.Settings(s.totalSteps() + 2, new LrSchedule(1e-2, 0, 100, 1), 0, 1, 3),
                        LhspgPrunerTest.data(), p, Progress.NONE, dev.shear.train.Checkpointer.NONE);
            }
            ad.close();
            Map<Integer, Integer> lost = new TreeMap<>();
            for (StructureRef r : p.pruned()) lost.merge(r.group(), 1, Integer::sum);
            quotas.forEach((g, q) -> assertEquals(q, lost.getOrDefault(g, 0), "group " + g));
            assertEquals(new java.util.HashSet<>(p.pruned()), new java.util.HashSet<>(Zeros.structures(model, set)), "the removed structures, and only they, are zero");
            assertEquals(3, p.log().size());
            for (LhspgPruner.PeriodLog log : p.log()) {
                Map<Integer, Integer> per = new TreeMap<>();
                for (StructureRef r : log.selected()) per.merge(r.group(), 1, Integer::sum);
                quotas.forEach((g, q) -> assertEquals(LhspgPruner.spread(q, 3)[log.period()], per.getOrDefault(g, 0), "group " + g + " period " + log.period()));
            }
        }
    }

    /** The default method end to end on a traced model: KDA allocation, the target met, the schedule's steps trained. */
    @Test void defaultLorashearIsObsAndMeetsTheTarget() {
        assertEquals(Method.LORASHEAR_OBS, Method.parse("lorashear"));
        try (CausalLm model = CausalLm.random(CFG, 4, DType.F32)) {
            LoraConfig lora = LoraConfig.paperDefaults(1);
            PruneSettings s = new PruneSettings(Method.LORASHEAR_OBS, 0.3, Allocation.AUTO, WidthAlignment.NONE, 2,
                    new LhspgSchedule(2, 2, 2, 0, 0.0, LhspgSchedule.LrShape.CONSTANT),
                    new TrainingSettings(1e-3, 2, 16, 0, lora), new KdaSettings(List.of(0.25, 0.5), 0.0), 1);
            BatchSource data = LhspgPrunerTest.data();
            PruneRun.Outcome o = PruneRun.run(PruneTarget.trace(model, lora), s, PruneRun.Context.of(data, LoraShearObsTest::probe));
            try (CausalLm c = o.compact()) {
                assertEquals("kda", o.result().allocation());
                assertEquals(6, o.result().trainSteps());
                assertEquals(o.result().plan().achievedFraction(), 1.0 - (double) c.numParams() / model.numParams(), 1e-9);
                assertTrue(Math.abs(o.result().achievedRatio() - 0.3) < 0.05, "achieved " + o.result().achievedRatio());
            }
        }
    }

    /**
     * A multi-query model (one KV head per layer, as Gemma 2B) has no attention group with a structure to
     * spare: KDA's allocation keeps every layer's attention and the MLP pays the whole count.
     */
    @Test void defaultLorashearPrunesAMultiQueryModelThroughItsMlp() {
        ModelConfig mqa = ModelConfig.llama(32, 40, 3, 4, 1, 64, 32, true);
        try (CausalLm model = CausalLm.random(mqa, 4, DType.F32)) {
            LoraConfig lora = LoraConfig.paperDefaults(1);
            PruneSettings s = new PruneSettings(Method.LORASHEAR_OBS, 0.3, Allocation.AUTO, WidthAlignment.NONE, 2,
                    new LhspgSchedule(2, 2, 2, 0, 0.0, LhspgSchedule.LrShape.CONSTANT),
                    new TrainingSettings(1e-3, 2, 16, 0, lora), new KdaSettings(List.of(0.25, 0.5), 0.0), 1);
            PruneRun.Outcome o = PruneRun.run(PruneTarget.trace(model, lora), s, PruneRun.Context.of(LhspgPrunerTest.data(), LoraShearObsTest::probe));
            try (CausalLm c = o.compact()) {
                assertEquals("kda", o.result().allocation());
                int mlp = 0;
                for (var w : c.config().layers()) {
                    assertEquals(4, w.numHeads(), "attention kept: " + c.config().layers());
                    assertEquals(1, w.numKvHeads());
                    mlp += w.intermediateSize();
                }
                long perChannel = 3 * 32;                                    // gate and up rows, a down column
                long removed = (long) (3 * 40 - mlp) * perChannel;
                assertEquals(model.numParams() - c.numParams(), removed, "only MLP channels go");
                assertTrue(Math.abs(o.result().achievedRatio() - 0.3) < 0.02, "achieved " + o.result().achievedRatio());
            }
        }
    }

    /**
     * Two KV groups per layer and a 50% target on a model whose embeddings and output head are 41% of it: KDA's
     * allocation, keeping one structure per group, cannot reach the target and says so before its
     * analysis runs, naming what can; uniform counts, which may empty a layer's attention, do reach it.
     */
    @Test void aTargetBeyondKdaAllocationNamesTheWayOut() {
        BatchSource data = LhspgPrunerTest.data();
        for (Allocation a : List.of(Allocation.AUTO, Allocation.UNIFORM))
            try (CausalLm model = dev.shear.testing.Families.load("llama3", DType.F32)) {
                LoraConfig lora = LoraConfig.paperDefaults(1);
                PruneSettings s = new PruneSettings(Method.LORASHEAR_OBS, 0.5, a, WidthAlignment.NONE, 2,
                        new LhspgSchedule(2, 2, 2, 0, 0.0, LhspgSchedule.LrShape.CONSTANT),
                        new TrainingSettings(1e-3, 2, 16, 0, lora), new KdaSettings(List.of(0.25, 0.5), 0.0), 1);
                if (a == Allocation.AUTO) {
                    int[] probes = {0};
                    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                            () -> PruneRun.run(PruneTarget.trace(model, lora), s, PruneRun.Context.of(data, m -> { probes[0]++; return probe(m); })));
                    assertTrue(e.getMessage().endsWith("use a smaller --ratio or --allocation uniform"), e.getMessage());
                    assertEquals(0, probes[0], "stopped before KDA's analysis");
                } else {
                    PruneRun.Outcome o = PruneRun.run(PruneTarget.trace(model, lora), s, PruneRun.Context.of(data, LoraShearObsTest::probe));
                    assertTrue(Math.abs(o.result().achievedRatio() - 0.5) < 0.01, "achieved " + o.result().achievedRatio());
                }
            }
    }
}
