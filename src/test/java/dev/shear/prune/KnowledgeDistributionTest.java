package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Ops;
import dev.shear.engine.Progress;
import dev.shear.engine.StepScope;
import dev.shear.distributed.ValidationProbe;
import dev.shear.graph.Cluster;
import dev.shear.graph.HandTable;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.recover.Validation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KnowledgeDistributionTest {
    @Test void masksRestoreWeightsBitExactlyAndMarkTopGroups() {
        try (CausalLm model = CausalLm.random(ModelConfig.llama(32, 48, 4, 4, 2, 64, 32, true), 2, DType.F32)) {
            Map<String, HostTensor> before = model.toHost();
            StructureSet set = HandTable.llama(model, java.util.Set.of());
            TokenBatch b = TokenBatch.causal(new int[][] {{1, 4, 9, 16, 25, 36, 49, 8, 3, 2, 60}});
            KnowledgeDistribution.Probe probe = m -> {
                try (StepScope s = Engine.openScope(m.store())) {
                    return Math.exp(Ops.tokenNll(m.forward(s.tokens(b.inputs())), s.tokens(b.targets())).mean().item());
                }
            };
            KnowledgeDistribution.Result r = KnowledgeDistribution.analyse(model, set, List.of(0.2, 0.5), 0.25, probe, Progress.NONE);
            Map<String, HostTensor> after = model.toHost();
            for (String k : before.keySet()) assertArrayEquals(before.get(k).data(), after.get(k).data(), 0f, k);
            assertEquals(8, r.rows().size());
            assertTrue(r.rows().stream().allMatch(x -> x.deviation() > 0), "the probe saw every group's removal: " + r.rows());
            assertEquals(2, r.unprunableGroups().size());                        // ceil(0.25 * 8)
            double minMarked = r.rows().stream().filter(KnowledgeDistribution.Row::unprunable).mapToDouble(KnowledgeDistribution.Row::deviation).min().orElseThrow();
            double maxOther = r.rows().stream().filter(x -> !x.unprunable()).mapToDouble(KnowledgeDistribution.Row::deviation).max().orElseThrow();
            assertTrue(minMarked >= maxOther, "the most sensitive groups are the ones marked");
        }
    }

    /**
     * The probe that computes each layer's prefix once gives both analyses' curves to the bit, is asked
     * once for each layer in order, and gives a single group's curve (a cluster task's) to the bit too.
     */
    @Test void aProbeCachingEachLayersPrefixGivesTheSameCurves() {
        try (CausalLm model = CausalLm.random(ModelConfig.llama(32, 48, 4, 4, 2, 64, 32, true), 4, DType.F32)) {
            StructureSet set = HandTable.llama(model, java.util.Set.of());
            List<int[]> seqs = List.of(new int[] {1, 4, 9, 16, 25, 36, 49, 8, 3, 2, 60}, new int[] {5, 7, 11, 13, 17}, new int[] {2, 2, 40, 41, 42, 43, 44});
            ValidationProbe cached = new ValidationProbe(seqs, 16, 2);
            List<Integer> asked = new java.util.ArrayList<>();
            KnowledgeDistribution.Probe spy = new KnowledgeDistribution.Probe() {
                @Override public double perplexity(CausalLm m) { throw new AssertionError("every curve point goes through the layer's probe"); }

                @Override public <T> T fromLayer(CausalLm m, int layer, java.util.function.Function<KnowledgeDistribution.Probe, T> body) {
                    asked.add(layer);
                    return cached.fromLayer(m, layer, body);
                }
            };
            KnowledgeDistribution.Probe whole = m -> Validation.ppl(m, seqs, 16, 2);
            List<Integer> layers = set.groups().stream().map(g -> g.layer()).distinct().sorted().toList();   // one prefix per layer
            List<Double> ratios = List.of(0.25, 0.5);

            assertSameCurves(KnowledgeDistribution.analyse(model, set, ratios, 0, whole, Progress.NONE),
                    KnowledgeDistribution.analyse(model, set, ratios, 0, new BaseThenSpy(whole, spy), Progress.NONE));
            assertEquals(layers, asked);
            KnowledgeDistribution.Result wholeCurves = KnowledgeDistribution.analyse(model, set, ratios, 0, whole, Progress.NONE);
            for (KnowledgeDistribution.Row row : wholeCurves.rows())            // one group alone, as a cluster task probes it
                assertEquals(row.ppl(), KnowledgeDistribution.curve(model, new ScoringContext(set, model, null, null), row.group(), ratios, cached, Progress.NONE), row.id());
            asked.clear();
            List<StructureRef> all = new java.util.ArrayList<>();
            for (Cluster c : Cluster.values()) all.addAll(set.prunable(c));
            Calibration calib = Calibration.collect(model, List.of(TokenBatch.causal(new int[][] {seqs.get(0)})), false, ObsSelection.modules(set, all));
            assertSameCurves(KnowledgeDistribution.analyseObs(model, set, ratios, 0, whole, calib, ObsSelection.RIDGE, Progress.NONE),
                    KnowledgeDistribution.analyseObs(model, set, ratios, 0, new BaseThenSpy(whole, spy), calib, ObsSelection.RIDGE, Progress.NONE));
            assertEquals(layers, asked);
        }
    }

    /** The base perplexity from the whole model, every curve point through the spy's layer probes. */
    private record BaseThenSpy(KnowledgeDistribution.Probe base, KnowledgeDistribution.Probe spy) implements KnowledgeDistribution.Probe {
        @Override public double perplexity(CausalLm m) { return base.perplexity(m); }

        @Override public <T> T fromLayer(CausalLm m, int layer, java.util.function.Function<KnowledgeDistribution.Probe, T> body) {
            return spy.fromLayer(m, layer, body);
        }
    }

    private static void assertSameCurves(KnowledgeDistribution.Result expected, KnowledgeDistribution.Result actual) {
        assertEquals(expected.basePpl(), actual.basePpl(), 0.0);
        assertEquals(expected.rows().size(), actual.rows().size());
        for (int i = 0; i < expected.rows().size(); i++) assertEquals(expected.rows().get(i).ppl(), actual.rows().get(i).ppl(), expected.rows().get(i).id());
    }
}
