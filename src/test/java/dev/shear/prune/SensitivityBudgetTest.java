package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.graph.Cluster;
import dev.shear.graph.HandTable;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.Structure;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KDA-informed allocation (Budget.bySensitivity) against hand values, a brute-force optimum and the ratio target. */
class SensitivityBudgetTest {
    private static final List<Double> RATIOS = List.of(0.2, 0.5);

    private static PrunableGroup group(String id, Cluster c, int layer, int n, long params) {
        List<Structure> s = new ArrayList<>();
        for (int i = 0; i < n; i++) s.add(new Structure(i, List.of(), List.of(), params));
        return new PrunableGroup(id, c, layer, s, true);
    }

    private static KnowledgeDistribution.Row row(int g, Cluster c, double... ppl) {
        List<Double> p = new ArrayList<>();
        for (double v : ppl) p.add(v);
        return new KnowledgeDistribution.Row(g, "g" + g, c, g, p, 0, false);
    }

    @Test void costFollowsTheKdaPointsWhereKdaPutThem() {
        KnowledgeDistribution.Row r = row(0, Cluster.MLP, 10 * Math.exp(0.2), 10 * Math.exp(0.8));
        // n = 10: the points sit at 2/10 (cost 0.2) and 5/10 (cost 0.8); past them, the steepest slope (0.6 / 0.3 = 2)
        assertEquals(0.1, Budget.cost(r, RATIOS, 10, 10, 1), 1e-12);
        assertEquals(0.2, Budget.cost(r, RATIOS, 10, 10, 2), 1e-12);
        assertEquals(0.4, Budget.cost(r, RATIOS, 10, 10, 3), 1e-12);
        assertEquals(0.8 + 2 * 0.3, Budget.cost(r, RATIOS, 10, 10, 8), 1e-12);
        // n = 4: floor(0.2 * 4) = 0 structures, so the first point is KDA's 2 of 4 at 0.5
        assertEquals(0.4, Budget.cost(r, RATIOS, 10, 4, 1), 1e-12);
        assertEquals(0.8 + 1.6 * 0.25, Budget.cost(r, RATIOS, 10, 4, 3), 1e-12);   // slope 0.8 / 0.5 from the origin
        // a perplexity that improves counts as no cost, and the curve never falls
        KnowledgeDistribution.Row better = row(0, Cluster.MLP, 9, 12);
        assertEquals(0.0, Budget.cost(better, RATIOS, 10, 10, 2), 1e-12);
        assertEquals(Math.log(1.2) / 3, Budget.cost(better, RATIOS, 10, 10, 3), 1e-12);
    }

    /**
     * Convex curves, one cluster: within KDA's measured range the greedy plan's total cost equals the
     * best of all allocations; past it (target 0.6) no group goes beyond 5 of 10 before all are there.
     */
    @Test void greedyMatchesBruteForceWithinTheMeasuredRange() {
        int n = 10, cap = 5;
        List<PrunableGroup> gs = List.of(group("a", Cluster.MLP, 0, n, 100), group("b", Cluster.MLP, 1, n, 100), group("c", Cluster.MLP, 2, n, 100));
        StructureSet set = new StructureSet(gs, 3000);
        List<KnowledgeDistribution.Row> rows = List.of(row(0, Cluster.MLP, 10.5, 14), row(1, Cluster.MLP, 11, 20), row(2, Cluster.MLP, 10.1, 12));
        KnowledgeDistribution.Result kda = new KnowledgeDistribution.Result(10, RATIOS, 0.15, rows, 0);
        for (double target : new double[] {0.2, 0.4, 0.6}) {
            Budget.Plan plan = Budget.bySensitivity(set, target, kda);
            int total = (int) Math.round(target * 30);
            assertEquals(Budget.plan(set, target).counts(), plan.counts());
            assertEquals(total, plan.quotas().values().stream().mapToInt(Integer::intValue).sum(), "target " + target);
            int[] q = {plan.quotas().getOrDefault(0, 0), plan.quotas().getOrDefault(1, 0), plan.quotas().getOrDefault(2, 0)};
            if (total > 3 * cap) {
                for (int v : q) assertTrue(v >= cap, "past the measured range before every group reached it: " + plan.quotas());
                continue;
            }
            double best = Double.POSITIVE_INFINITY;
            for (int a = 0; a <= cap; a++) for (int b = 0; b <= cap; b++) {
                int c = total - a - b;
                if (c < 0 || c > cap) continue;
                best = Math.min(best, Budget.cost(rows.get(0), RATIOS, 10, n, a) + Budget.cost(rows.get(1), RATIOS, 10, n, b) + Budget.cost(rows.get(2), RATIOS, 10, n, c));
            }
            double got = 0;
            for (int g = 0; g < 3; g++) got += Budget.cost(rows.get(g), RATIOS, 10, n, q[g]);
            assertEquals(best, got, 1e-12, "target " + target + ": " + plan.quotas());
            assertTrue(q[2] >= q[1], "the flattest group gives up at least as much as the steepest");
        }
    }

    /** End to end, progressive and one-shot: KDA runs, its curves set the per-group counts, and the compact widths are exactly what they leave. */
    @Test void pruneRunWithKdaAllocationCutsEachGroupByItsQuota() {
        List<int[]> rows = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < 4; i++) rows.add(rnd.ints(17, 0, 64).toArray());
        KnowledgeDistribution.Probe probe = m -> dev.shear.recover.Validation.ppl(m, rows, 17, 4);
        for (Method m : List.of(Method.MAGNITUDE, Method.LORASHEAR_ACCUMULATED)) {
            PruneSettings s = TestSettings.of(m, 0.3, 0).withSchedule(new LhspgSchedule(1, 2, 2, 25, 0.0, LhspgSchedule.LrShape.COSINE))
                    .withAllocation(Allocation.KDA);
            try (CausalLm model = CausalLm.random(LhspgPrunerTest.CFG, 7, DType.F32)) {
                dev.shear.lora.LoraAdapters ad = dev.shear.lora.LoraAdapters.insert(model, s.training().lora());
                StructureSet set = HandTable.llama(model, ad.modules().keySet());   // LoRA slices too, as PruneJob traces them
                PruneRun.Outcome o = PruneRun.run(new PruneTarget(model, ad, set), s, PruneRun.Context.of(LhspgPrunerTest.data(), probe));
                o.compact().close();
                PruneRun.Result r = o.result();
                assertEquals("kda", r.allocation());
                assertEquals(Budget.bySensitivity(set.withUnprunable(r.kda().unprunableGroups()), 0.3, r.kda()).quotas(), r.plan().quotas());
                assertTrue(!r.plan().quotas().isEmpty());
                for (int g = 0; g < set.groups().size(); g++) {
                    PrunableGroup pg = set.groups().get(g);
                    int left = pg.structures().size() - r.plan().quotas().getOrDefault(g, 0);
                    var w = r.widthsAfter().get(pg.layer());
                    int width = pg.cluster() == Cluster.MLP ? w.intermediateSize() : w.numKvHeads();
                    assertEquals(left, width, m + ": " + pg.id() + " of " + r.plan().quotas());
                }
                assertTrue(Math.abs(r.achievedRatio() - 0.3) <= 0.005, m + " achieved " + r.achievedRatio());
            }
        }
    }

    /** On the stories260K shape and a GQA shape, with made-up curves: the target within 0.5 pp after compaction, one structure kept per group, protected groups untouched. */
    @Test void compactedRatioWithinHalfPointAndGroupsRespected() {
        ModelConfig stories = ModelConfig.llama(64, 172, 5, 8, 4, 512, 512, true);
        ModelConfig gqa = ModelConfig.llama(96, 256, 4, 12, 4, 256, 64, false);
        for (ModelConfig cfg : List.of(stories, gqa))
            for (double t : new double[] {0.2, 0.5})
                try (CausalLm model = CausalLm.random(cfg, 1, DType.F32)) {
                    StructureSet set = HandTable.llama(model, java.util.Set.of());
                    List<KnowledgeDistribution.Row> rows = new ArrayList<>();
                    for (int g = 0; g < set.groups().size(); g++) {
                        double steep = 1 + g % 3;                     // made-up sensitivities, different per group
                        rows.add(row(g, set.groups().get(g).cluster(), 10 * Math.exp(0.1 * steep), 10 * Math.exp(0.5 * steep)));
                    }
                    KnowledgeDistribution.Result kda = new KnowledgeDistribution.Result(10, RATIOS, 0.15, rows, 0);
                    // KDA's protection on stories260K (layers 0 and 4's MLP): at 50% attention cannot hold its
                    // uniform count with one KV group kept per layer, and the excess moves to the MLP
                    java.util.Set<Integer> keep = cfg == stories ? java.util.Set.of(1, 9) : java.util.Set.of(0);
                    StructureSet guarded = set.withUnprunable(keep);
                    Budget.Plan plan = Budget.bySensitivity(guarded, t, kda);
                    for (int g : keep) assertEquals(0, plan.quotas().getOrDefault(g, 0));
                    if (cfg == stories && t == 0.5) assertTrue(Budget.plan(guarded, t).counts().get(Cluster.ATTENTION) > 15);
                    for (Map.Entry<Integer, Integer> e : plan.quotas().entrySet())
                        assertTrue(e.getValue() < set.groups().get(e.getKey()).structures().size());
                    ScoringContext ctx = new ScoringContext(guarded, model, null, null);
                    List<StructureRef> chosen = new ArrayList<>();
                    for (Cluster c : Cluster.values()) {
                        List<StructureRef> pool = guarded.prunable(c);
                        chosen.addAll(Selector.byQuota(pool, new MagnitudeSaliency().score(ctx, pool), plan.quotas()));
                    }
                    Masking.zero(model, null, guarded, chosen);
                    try (CausalLm compact = Compactor.compact(model, guarded, chosen, Map.of())) {
                        double achieved = 1.0 - (double) compact.numParams() / model.numParams();
                        assertTrue(Math.abs(achieved - t) <= 0.005, cfg + " target " + t + " achieved " + achieved);
                    }
                }
    }
}
