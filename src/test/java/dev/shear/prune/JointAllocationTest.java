package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.graph.Cluster;
import dev.shear.graph.Cut;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.HandTable;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.Structure;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** FLAP's joint allocation (Budget.joint, its scores, AUTO for FLAP) and the methods' protected layers. */
class JointAllocationTest {
    private static PrunableGroup group(String id, Cluster c, int layer, int n, long params, boolean prunable) {
        List<Structure> s = new ArrayList<>();
        for (int i = 0; i < n; i++) s.add(new Structure(i, List.of(), List.of(), params));
        return new PrunableGroup(id, c, layer, s, prunable);
    }

    /** Two layers of 4 heads (300 parameters each) and 10 channels (90 each), plus an unprunable group. */
    private static StructureSet synthetic() {
        return new StructureSet(List.of(group("a0", Cluster.ATTENTION, 0, 4, 300, true), group("m0", Cluster.MLP, 0, 10, 90, true),
                group("a1", Cluster.ATTENTION, 1, 4, 300, true), group("m1", Cluster.MLP, 1, 10, 90, true),
                group("fixed", Cluster.MLP, 2, 10, 90, false)), 10_000);
    }

    /** Our own reading of the rule: sort by score, take the prefix whose parameters are nearest the target. */
    private static Map<Integer, Integer> expectedQuotas(StructureSet set, List<StructureRef> pool, double[] scores, double want, long[] removedOut) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) idx.add(i);
        idx.sort((a, b) -> scores[a] != scores[b] ? Double.compare(scores[a], scores[b]) : Integer.compare(a, b));
        long sum = 0, bestSum = 0;
        int bestLen = 0;
        for (int n = 1; n <= idx.size(); n++) {
            sum += set.get(pool.get(idx.get(n - 1))).params();
            if (Math.abs(sum - want) <= Math.abs(bestSum - want)) { bestSum = sum; bestLen = n; }
        }
        Map<Integer, Integer> q = new TreeMap<>();
        for (int g = 0; g < set.groups().size(); g++) if (set.groups().get(g).prunable()) q.put(g, 0);
        for (int n = 0; n < bestLen; n++) q.merge(pool.get(idx.get(n)).group(), 1, Integer::sum);
        removedOut[0] = bestSum;
        return q;
    }

    private static List<StructureRef> pool(StructureSet set) {
        List<StructureRef> pool = new ArrayList<>();
        for (Cluster c : Cluster.values()) pool.addAll(set.prunable(c));
        return pool;
    }

    @Test void jointRemovesTheLowestScoredPrefixNearestTheTarget() {
        StructureSet set = synthetic();
        List<StructureRef> pool = pool(set);
        Random rnd = new Random(8);
        for (int trial = 0; trial < 50; trial++) {
            double[] scores = rnd.doubles(pool.size()).map(x -> Math.floor(x * 20)).toArray();       // ties too
            double target = 0.02 + 0.39 * rnd.nextDouble();                 // up to 4100 of the 4200 prunable
            Budget.Plan plan = Budget.joint(set, target, pool, scores);
            long[] removed = new long[1];
            Map<Integer, Integer> want = expectedQuotas(set, pool, scores, target * set.totalParams(), removed);
            assertEquals(want, plan.quotas(), "trial " + trial);
            assertEquals(removed[0], plan.removedParams());
            assertTrue(Math.abs(plan.removedParams() - target * set.totalParams()) <= 300 / 2.0, "within half the largest structure");
            assertEquals((double) plan.removedParams() / set.totalParams(), plan.achievedFraction(), 1e-15);
            assertEquals(target, plan.targetFraction());
            int attn = want.get(0) + want.get(2), mlp = want.get(1) + want.get(3);
            assertEquals(attn, plan.counts().getOrDefault(Cluster.ATTENTION, 0));
            assertEquals(mlp, plan.counts().getOrDefault(Cluster.MLP, 0));
            assertEquals(300L * attn + 90L * mlp, plan.removedParams());
            assertTrue(!plan.quotas().containsKey(4), "the unprunable group gets no quota");
        }
    }

    /** One ranking for both clusters: when every head scores below every channel, heads go first, whole layers of them. */
    @Test void bothClustersAreRankedTogetherAndALayerMayLoseEverything() {
        StructureSet set = synthetic();
        List<StructureRef> pool = pool(set);
        double[] scores = new double[pool.size()];
        for (int i = 0; i < scores.length; i++) scores[i] = set.group(pool.get(i)).cluster() == Cluster.ATTENTION ? -1 - i * 1e-3 : 1 + i * 1e-3;
        Budget.Plan plan = Budget.joint(set, 0.24, pool, scores);       // 2400: all 8 heads, then 0 channels (2400 exactly)
        assertEquals(Map.of(0, 4, 1, 0, 2, 4, 3, 0), plan.quotas());
        assertEquals(2400, plan.removedParams());
        // interleaved: layer 1's channels and layer 0's heads in one order
        for (int i = 0; i < scores.length; i++) {
            StructureRef r = pool.get(i);
            scores[i] = r.group() == 3 ? -10 + r.structure() : r.group() == 0 ? -5.5 + r.structure() : 10 + i;
        }
        // order: 5 channels (450), head (750), channel (840), head (1140), channel (1230), head (1530: farther from 1300)
        plan = Budget.joint(set, 0.13, pool, scores);
        assertEquals(Map.of(0, 2, 1, 0, 2, 0, 3, 7), plan.quotas());
        assertEquals(1230, plan.removedParams());
    }

    @Test void jointRejectsTargetsItCannotMeet() {
        StructureSet set = synthetic();
        List<StructureRef> pool = pool(set);
        double[] scores = new double[pool.size()];
        assertThrows(IllegalArgumentException.class, () -> Budget.joint(set, 0, pool, scores));
        assertThrows(IllegalArgumentException.class, () -> Budget.joint(set, 1, pool, scores));
        assertThrows(IllegalArgumentException.class, () -> Budget.joint(set, 0.5, pool, scores));     // 5000 > 4200 prunable
    }

    @Test void withProtectedLayersMakesExactlyThoseLayersGroupsUnprunable() {
        try (CausalLm model = CausalLm.random(ModelConfig.llama(32, 40, 4, 4, 2, 64, 32, true), 1, dev.shear.engine.DType.F32)) {
            StructureSet base = HandTable.llama(model, Set.of()).withUnprunable(Set.of(3));          // layer 1's MLP already unprunable
            assertSame(base, PruneRun.withProtectedLayers(base, Set.of()));
            StructureSet p = PruneRun.withProtectedLayers(base, Set.of(0, 2));
            assertEquals(base.groups().size(), p.groups().size());
            assertEquals(base.totalParams(), p.totalParams());
            for (int g = 0; g < p.groups().size(); g++) {
                PrunableGroup before = base.groups().get(g), after = p.groups().get(g);
                boolean want = before.prunable() && before.layer() != 0 && before.layer() != 2;
                assertEquals(want, after.prunable(), after.id());
                assertEquals(before.structures(), after.structures());
            }
        }
    }

    /** LLM-Pruner's LLaMA-7B range (layers 4 to 29 of 32) scaled: layers below round(L/8) and from round(15L/16) on stay. */
    @Test void llmPrunerProtectsItsAuthorsLayersScaledToDepth() {
        Map<Integer, Set<Integer>> want = new TreeMap<>();
        want.put(1, Set.of());                                       // round(0.125) = 0, round(0.9375) = 1
        want.put(5, Set.of(0));                                      // round(0.625) = 1, round(4.6875) = 5
        want.put(8, Set.of(0));                                      // 1, round(7.5) = 8
        want.put(12, Set.of(0, 1, 11));                              // round(1.5) = 2, round(11.25) = 11
        want.put(24, Set.of(0, 1, 2, 23));                           // 3, round(22.5) = 23
        want.put(32, Set.of(0, 1, 2, 3, 30, 31));                    // LLaMA-7B: 4 to 29 pruned
        want.put(40, Set.of(0, 1, 2, 3, 4, 38, 39));                 // 5, round(37.5) = 38
        for (Map.Entry<Integer, Set<Integer>> e : want.entrySet()) {
            assertEquals(e.getValue(), new TreeSet<>(Method.LLM_PRUNER.strategy().protectedLayers(e.getKey())), "L = " + e.getKey());
            assertEquals(e.getValue(), new TreeSet<>(Method.LLM_PRUNER_VECTOR.strategy().protectedLayers(e.getKey())), "L = " + e.getKey());
        }
        for (Method m : List.of(Method.WANDA_SP, Method.FLAP, Method.MAGNITUDE))
            assertEquals(Set.of(), m.strategy().protectedLayers(32), m.cliName());
    }

    @Test void flapsAutoAllocationIsJoint() {
        assertEquals(Allocation.JOINT, Method.FLAP.strategy().autoAllocation(false));
        assertEquals(Allocation.JOINT, Method.FLAP.strategy().autoAllocation(true));
        assertEquals(Allocation.JOINT, Allocation.AUTO.resolve(Method.FLAP.strategy(), false));
        assertEquals(Allocation.JOINT, Allocation.AUTO.resolve(Method.FLAP.strategy(), true));
        assertEquals(Allocation.UNIFORM, Allocation.UNIFORM.resolve(Method.FLAP.strategy(), false));
        for (Method m : List.of(Method.WANDA_SP, Method.MAGNITUDE, Method.LLM_PRUNER))
            assertEquals(Allocation.UNIFORM, Allocation.AUTO.resolve(m.strategy(), false), m.cliName());
    }

    @Test void selectorStandardizedIsAZScoreWithinEachGroup() {
        List<StructureRef> pool = new ArrayList<>();
        double[] raw = {3, 1, 2, 10, 10, 40, 7};                 // group 0: {3, 1, 2}; group 5: {10, 10, 40}; group 9: {7}
        int[] groups = {0, 0, 0, 5, 5, 5, 9};
        for (int i = 0; i < raw.length; i++) pool.add(new StructureRef(groups[i], i));
        double[] z = Selector.standardized(pool, raw);
        double[] want = {1, -1, 0, -1 / Math.sqrt(3), -1 / Math.sqrt(3), 2 / Math.sqrt(3), 0};   // unbiased std: 1 and sqrt(300)
        for (int i = 0; i < z.length; i++) assertEquals(want[i], z[i], 1e-9, "entry " + i);
    }

    /** Var(X_j) by two passes over the captured inputs (unbiased), not from Calibration's running sums. */
    private static double[] variance(List<double[]> xs) {
        int n = xs.get(0).length;
        double[] mean = new double[n], var = new double[n];
        for (double[] x : xs) for (int j = 0; j < n; j++) mean[j] += x[j] / xs.size();
        for (double[] x : xs) for (int j = 0; j < n; j++) var[j] += (x[j] - mean[j]) * (x[j] - mean[j]) / (xs.size() - 1);
        return var;
    }

    /** FLAP's joint scores from first principles: fluctuation per layer weight (squared for attention), z-scored, averaged over a structure's columns. */
    private static double[] flapScores(StructureSet set, List<StructureRef> pool, Map<String, HostTensor> w, Map<String, List<double[]>> xs) {
        Map<String, double[]> z = new HashMap<>();
        double[] out = new double[pool.size()];
        for (int i = 0; i < pool.size(); i++) {
            Cut c = null;
            for (Cut d : set.get(pool.get(i)).dependent()) if (d.columns() && d.param().endsWith(".weight")) c = d;
            String p = c.param();
            double[] zz = z.computeIfAbsent(p, k -> {
                HostTensor t = w.get(k);
                double[] var = variance(xs.get(SliceMath.module(k)));
                int cols = t.cols();
                double[] m = new double[cols];
                for (int r = 0; r < t.rows(); r++) for (int j = 0; j < cols; j++) m[j] += var[j] * t.data()[r * cols + j] * t.data()[r * cols + j];
                if (k.contains("o_proj")) for (int j = 0; j < cols; j++) m[j] *= m[j];     // FLAP squares the attention metric only
                double mean = java.util.Arrays.stream(m).average().orElseThrow(), sq = 0;
                for (double v : m) sq += (v - mean) * (v - mean);
                double sd = Math.sqrt(sq / (cols - 1));
                double[] res = new double[cols];
                for (int j = 0; j < cols; j++) res[j] = (m[j] - mean) / sd;
                return res;
            });
            double s = 0;
            for (int j : c.indices()) s += zz[j];
            out[i] = s / c.indices().length;
        }
        return out;
    }

    @Test void flapStandardizedScoresMatchFirstPrinciples() {
        try (CausalLm model = CausalLm.random(ObsSelectionModelTest.CFG, 2, DType.F32)) {
            StructureSet set = DependencyGraph.trace(model).structures();
            List<TokenBatch> batches = ObsSelectionModelTest.batches();
            Calibration calib = Calibration.collect(model, batches, false);
            List<StructureRef> pool = pool(set);
            double[] got = new FlapSaliency().standardized(new ScoringContext(set, model, null, calib), pool);
            double[] want = flapScores(set, pool, model.toHost(), ObsSelectionModelTest.inputs(model, batches));
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])), set.group(pool.get(i)).id() + " " + pool.get(i));
        }
    }

    /**
     * FLAP end to end with allocation auto and no KDA: the run reports "joint", its per-group quotas
     * are our own joint selection over first-principles FLAP scores on the same calibration batches,
     * and every compact width is the group's size less its quota.
     */
    @Test void flapRunUsesTheJointPlan() {
        PruneSettings s = TestSettings.of(Method.FLAP, 0.3, 0).withKda(KdaSettings.NONE).withAllocation(Allocation.AUTO);
        try (CausalLm model = CausalLm.random(ObsSelectionModelTest.CFG, 7, DType.F32)) {
            StructureSet plain = DependencyGraph.trace(model).structures();
            List<TokenBatch> calibBatches = new ArrayList<>();
            for (int i = 0; i < s.calibBatches(); i++) calibBatches.addAll(LhspgPrunerTest.data().batches(-1 - i));
            List<StructureRef> pool = pool(plain);
            double[] scores = flapScores(plain, pool, model.toHost(), ObsSelectionModelTest.inputs(model, calibBatches));
            long[] removed = new long[1];
            Map<Integer, Integer> want = expectedQuotas(plain, pool, scores, 0.3 * plain.totalParams(), removed);

            LoraAdapters ad = LoraAdapters.insert(model, s.training().lora());
            StructureSet set = HandTable.llama(model, ad.modules().keySet());
            PruneRun.Outcome o = PruneRun.run(new PruneTarget(model, ad, set), s, PruneRun.Context.of(LhspgPrunerTest.data(), null));
            o.compact().close();
            PruneRun.Result r = o.result();
            assertEquals("joint", r.allocation());
            assertEquals(want, r.plan().quotas());
            for (int g = 0; g < set.groups().size(); g++) {
                PrunableGroup pg = set.groups().get(g);
                LayerWidths lw = r.widthsAfter().get(pg.layer());
                int width = pg.cluster() == Cluster.MLP ? lw.intermediateSize() : lw.numKvHeads();
                assertEquals(pg.structures().size() - want.get(g), width, pg.id());
            }
            assertEquals(1.0 - (double) r.paramsAfter() / r.paramsBefore(), r.achievedRatio(), 1e-12);
            assertTrue(Math.abs(r.achievedRatio() - 0.3) < 0.02, "achieved " + r.achievedRatio());
        }
    }

    /** LLM-Pruner end to end on an 8-layer and a 16-layer model: its protected layers keep every head and channel. */
    @Test void llmPrunerRunLeavesItsProtectedLayersWhole() {
        for (int layers : new int[] {8, 16}) {
            ModelConfig cfg = ModelConfig.llama(32, 40, layers, 4, 2, 64, 32, true);
            PruneSettings s = TestSettings.of(Method.LLM_PRUNER, 0.2, 0).withKda(KdaSettings.NONE);
            try (CausalLm model = CausalLm.random(cfg, 7, DType.F32)) {
                LoraAdapters ad = LoraAdapters.insert(model, s.training().lora());
                StructureSet set = HandTable.llama(model, ad.modules().keySet());
                PruneRun.Outcome o = PruneRun.run(new PruneTarget(model, ad, set), s, PruneRun.Context.of(LhspgPrunerTest.data(), null));
                o.compact().close();
                PruneRun.Result r = o.result();
                Set<Integer> prot = layers == 8 ? Set.of(0) : Set.of(0, 1, 15);
                int pruned = 0;
                for (int l = 0; l < layers; l++) {
                    LayerWidths lw = r.widthsAfter().get(l);
                    if (prot.contains(l)) {
                        assertEquals(2, lw.numKvHeads(), "L " + layers + " layer " + l);
                        assertEquals(40, lw.intermediateSize(), "L " + layers + " layer " + l);
                    } else if (lw.intermediateSize() < 40 || lw.numKvHeads() < 2) pruned++;
                }
                assertEquals(layers - prot.size(), pruned, "every other layer gives something up (uniform ratio)");
                assertTrue(Math.abs(r.achievedRatio() - 0.2) <= 0.02, "achieved " + r.achievedRatio());
            }
        }
    }
}
