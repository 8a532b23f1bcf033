package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.graph.Cluster;
import dev.shear.graph.Cut;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * ObsSelection on tiny random models, against this test's own fp64 computation: activations
 * captured here (not through Calibration), a Gauss-Jordan solver with partial pivoting (not
 * Cholesky), and an OBS error evaluated from scratch for every candidate set (no downdates).
 */
class ObsSelectionModelTest {
    static final ModelConfig CFG = ModelConfig.llama(32, 40, 3, 4, 2, 64, 32, true);
    static final double RIDGE = 0.01;

    static List<TokenBatch> batches() {
        List<TokenBatch> out = new ArrayList<>();
        for (int k = 0; k < 3; k++) out.addAll(LhspgPrunerTest.data().batches(k));
        return out;
    }

    /** Every input row (token) each projection saw, in fp64, captured by our own observer. */
    static Map<String, List<double[]>> inputs(CausalLm model, List<TokenBatch> batches) {
        Map<String, List<double[]>> rows = new HashMap<>();
        model.setActivationObserver((module, x) -> {
            int in = (int) x.dim(-1);
            double[] flat = x.toDoubles();
            List<double[]> list = rows.computeIfAbsent(module, m -> new ArrayList<>());
            for (int t = 0; t < flat.length / in; t++) list.add(java.util.Arrays.copyOfRange(flat, t * in, (t + 1) * in));
        });
        try {
            for (TokenBatch b : batches)
                try (StepScope s = Engine.openScope(model.store())) {
                    model.forward(s.tokens(b.inputs())).sum().item();
                }
        } finally {
            model.setActivationObserver(null);
        }
        return rows;
    }

    static double[] secondMoment(List<double[]> xs) {
        int n = xs.get(0).length;
        double[] c = new double[n * n];
        for (double[] x : xs) for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) c[i * n + j] += x[i] * x[j];
        return c;
    }

    /** H = C + (ridge · tr(C) / n + 1e-12) I: ObsSelection's stated damping. */
    static double[] damped(double[] c, int n, double ridge) {
        double tr = 0;
        for (int j = 0; j < n; j++) tr += c[j * n + j];
        double[] h = c.clone();
        for (int j = 0; j < n; j++) h[j * n + j] += ridge * tr / n + 1e-12;
        return h;
    }

    /** Solves A X = B (n × n, n × m) by Gauss-Jordan elimination with partial pivoting. */
    static double[] gaussJordan(double[] a0, int n, double[] b0, int m) {
        double[] a = a0.clone(), b = b0.clone();
        for (int col = 0; col < n; col++) {
            int p = col;
            for (int r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[p * n + col])) p = r;
            for (int j = 0; j < n; j++) { double t = a[col * n + j]; a[col * n + j] = a[p * n + j]; a[p * n + j] = t; }
            for (int j = 0; j < m; j++) { double t = b[col * m + j]; b[col * m + j] = b[p * m + j]; b[p * m + j] = t; }
            double d = a[col * n + col];
            for (int j = 0; j < n; j++) a[col * n + j] /= d;
            for (int j = 0; j < m; j++) b[col * m + j] /= d;
            for (int r = 0; r < n; r++) {
                if (r == col) continue;
                double f = a[r * n + col];
                if (f == 0) continue;
                for (int j = 0; j < n; j++) a[r * n + j] -= f * a[col * n + j];
                for (int j = 0; j < m; j++) b[r * m + j] -= f * b[col * m + j];
            }
        }
        return b;
    }

    static double[] eye(int n) {
        double[] e = new double[n * n];
        for (int i = 0; i < n; i++) e[i * n + i] = 1;
        return e;
    }

    /** The output error of removing columns R and refitting the rest: tr(W_R [H⁻¹_RR]⁻¹ W_Rᵀ). */
    static double obsError(double[] w, int out, int in, double[] hinv, List<Integer> cols) {
        int r = cols.size();
        double[] m = new double[r * r], wr = new double[r * out];
        for (int a = 0; a < r; a++) for (int b = 0; b < r; b++) m[a * r + b] = hinv[cols.get(a) * in + cols.get(b)];
        for (int a = 0; a < r; a++) for (int o = 0; o < out; o++) wr[a * out + o] = w[o * in + cols.get(a)];
        double[] z = gaussJordan(m, r, wr, out);                // M⁻¹ W_Rᵀ
        double e = 0;
        for (int a = 0; a < r; a++) for (int o = 0; o < out; o++) e += wr[a * out + o] * z[a * out + o];
        return e;
    }

    /** W' with columns R zero and the rest W H[:, K] H_KK⁻¹ (the least-squares refit). */
    static double[] refit(double[] w, int out, int in, double[] h, Set<Integer> removed) {
        List<Integer> keep = new ArrayList<>();
        for (int j = 0; j < in; j++) if (!removed.contains(j)) keep.add(j);
        int k = keep.size();
        double[] hk = new double[k * k], rhs = new double[k * out];
        for (int a = 0; a < k; a++) for (int b = 0; b < k; b++) hk[a * k + b] = h[keep.get(a) * in + keep.get(b)];
        for (int a = 0; a < k; a++)
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int j = 0; j < in; j++) s += h[keep.get(a) * in + j] * w[o * in + j];       // (H[:, K])ᵀ Wᵀ
                rhs[a * out + o] = s;
            }
        double[] x = gaussJordan(hk, k, rhs, out);
        double[] res = new double[out * in];
        for (int a = 0; a < k; a++) for (int o = 0; o < out; o++) res[o * in + keep.get(a)] = x[a * out + o];
        return res;
    }

    static String dependentWeight(PrunableGroup g) {
        for (Cut c : g.structures().get(0).dependent()) if (c.columns() && c.param().endsWith(".weight")) return c.param();
        throw new AssertionError("no dependent weight in " + g.id());
    }

    static List<Integer> columns(PrunableGroup g, int s, String param) {
        for (Cut c : g.structures().get(s).dependent())
            if (c.columns() && c.param().equals(param)) return java.util.Arrays.stream(c.indices()).boxed().toList();
        return List.of();
    }

    /** Our own greedy: at each step the structure whose removal (with the earlier ones) has the least error. */
    static List<Integer> referenceGreedy(PrunableGroup g, double[] w, int out, int in, double[] hinv, int k) {
        String p = dependentWeight(g);
        List<Integer> chosen = new ArrayList<>(), cols = new ArrayList<>();
        for (int step = 0; step < k; step++) {
            int best = -1;
            double bestErr = Double.POSITIVE_INFINITY, second = Double.POSITIVE_INFINITY;
            for (int s = 0; s < g.structures().size(); s++) {
                if (chosen.contains(s)) continue;
                List<Integer> trial = new ArrayList<>(cols);
                trial.addAll(columns(g, s, p));
                double e = obsError(w, out, in, hinv, trial);
                if (e < bestErr) { second = bestErr; bestErr = e; best = s; } else if (e < second) second = e;
            }
            assertTrue(second - bestErr > 1e-6 * bestErr, "test data too close to a tie at step " + step + " of " + g.id());
            chosen.add(best);
            cols.addAll(columns(g, best, p));
        }
        return chosen;
    }

    static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static int group(StructureSet set, int layer, Cluster c) {
        for (int g = 0; g < set.groups().size(); g++) if (set.groups().get(g).layer() == layer && set.groups().get(g).cluster() == c) return g;
        throw new AssertionError();
    }

    @Test void secondMomentIsTheSumOfOuterProductsOfTheInputs() {
        try (CausalLm model = CausalLm.random(CFG, 11, DType.F32)) {
            List<TokenBatch> batches = batches();
            Set<String> mods = Set.of("model.layers.1.self_attn.o_proj", "model.layers.2.mlp.down_proj");
            Calibration calib = Calibration.collect(model, batches, false, mods);
            Map<String, List<double[]>> xs = inputs(model, batches);
            for (String m : mods) {
                double[] want = secondMoment(xs.get(m)), got = calib.secondMoment(m);
                assertEquals(want.length, got.length, m);
                double scale = 0;
                for (double v : want) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5 * scale, m + " entry " + i);
            }
            assertTrue(xs.get("model.layers.0.mlp.down_proj").size() == calib.tokens(), "every calibration token observed once");
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> calib.secondMoment("model.layers.0.self_attn.o_proj"));
        }
    }

    /**
     * Per group: exactly the requested count is removed, in the order our from-scratch greedy picks,
     * the group's o_proj / down_proj equals the least-squares refit of the kept columns for the
     * removed set, and nothing else in the model changes.
     */
    @Test void selectAndCompensateRefitsTheKeptColumnsInClosedForm() {
        try (CausalLm model = CausalLm.random(CFG, 11, DType.F32)) {
            StructureSet set = DependencyGraph.trace(model).structures();
            Map<Integer, Integer> counts = new TreeMap<>();
            counts.put(group(set, 0, Cluster.MLP), 7);
            counts.put(group(set, 1, Cluster.ATTENTION), 1);
            counts.put(group(set, 2, Cluster.MLP), 3);
            counts.put(group(set, 2, Cluster.ATTENTION), 0);
            Set<String> mods = new HashSet<>();
            for (int g : counts.keySet()) mods.add(SliceMath.module(dependentWeight(set.groups().get(g))));
            List<TokenBatch> batches = batches();
            Map<String, List<double[]>> xs = inputs(model, batches);
            Map<String, HostTensor> before = model.toHost();
            Calibration calib = Calibration.collect(model, batches, false, mods);

            List<StructureRef> chosen = ObsSelection.selectAndCompensate(model, set, counts, calib, RIDGE);

            Map<String, HostTensor> after = model.toHost();
            Set<String> touched = new HashSet<>();
            for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
                int gi = e.getKey();
                PrunableGroup g = set.groups().get(gi);
                List<Integer> got = chosen.stream().filter(r -> r.group() == gi).map(StructureRef::structure).toList();
                assertEquals(e.getValue(), got.size(), g.id() + ": count");
                if (e.getValue() == 0) continue;
                String p = dependentWeight(g);
                touched.add(p);
                HostTensor w0 = before.get(p);
                int out = w0.rows(), in = w0.cols();
                double[] w = widen(w0.data());
                double[] h = damped(secondMoment(xs.get(SliceMath.module(p))), in, RIDGE);
                double[] hinv = gaussJordan(h, in, eye(in), in);
                assertEquals(referenceGreedy(g, w, out, in, hinv, e.getValue()), got, g.id() + ": greedy order");
                Set<Integer> removed = new HashSet<>();
                for (int s : got) removed.addAll(columns(g, s, p));
                double[] want = refit(w, out, in, h, removed);
                float[] have = after.get(p).data();
                double scale = 0;
                for (double v : want) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < want.length; i++)
                    assertEquals(want[i], have[i], 1e-3 * scale, g.id() + " " + p + " row " + i / in + " column " + i % in);
                // the refit is better than just cutting: the calibration error drops
                double cut = 0, fit = 0;
                for (double[] x : xs.get(SliceMath.module(p)))
                    for (int o = 0; o < out; o++) {
                        double y = 0, yc = 0, yf = 0;
                        for (int j = 0; j < in; j++) {
                            y += w[o * in + j] * x[j];
                            if (!removed.contains(j)) yc += w[o * in + j] * x[j];
                            yf += have[o * in + j] * x[j];
                        }
                        cut += (y - yc) * (y - yc);
                        fit += (y - yf) * (y - yf);
                    }
                assertTrue(fit < cut, g.id() + ": refit error " + fit + " not below plain cut " + cut);
            }
            for (Map.Entry<String, HostTensor> e : before.entrySet())
                if (!touched.contains(e.getKey())) assertArrayEquals(e.getValue().data(), after.get(e.getKey()).data(), e.getKey() + " changed");
        }
    }

    /** With already-removed structures (masked, so their channels read zero): never chosen again, and the count still exact. */
    @Test void alreadyRemovedStructuresAreNeverChosen() {
        try (CausalLm model = CausalLm.random(CFG, 13, DType.F32)) {
            StructureSet set = DependencyGraph.trace(model).structures();
            int mlp = group(set, 1, Cluster.MLP);
            Set<StructureRef> already = new HashSet<>();
            for (int s = 0; s < 40; s += 3) already.add(new StructureRef(mlp, s));
            Masking.zero(model, null, set, List.copyOf(already));
            String p = dependentWeight(set.groups().get(mlp));
            Calibration calib = Calibration.collect(model, batches(), false, Set.of(SliceMath.module(p)));
            List<StructureRef> chosen = ObsSelection.selectAndCompensate(model, set, Map.of(mlp, 20), calib, RIDGE, already);
            assertEquals(20, chosen.size());
            assertEquals(20, new HashSet<>(chosen).size(), "no structure chosen twice");
            for (StructureRef r : chosen) assertTrue(!already.contains(r) && r.group() == mlp, "chose " + r);
            HostTensor w = model.toHost().get(p);
            for (StructureRef r : already) for (int o = 0; o < w.rows(); o++) assertEquals(0f, w.data()[o * w.cols() + r.structure()], Math.ulp(1f) * 1e-3);
        }
    }

    /** On a one-layer model, sequential is selectAndCompensate on a fresh calibration followed by masking. */
    @Test void sequentialOnOneLayerEqualsSelectAndCompensate() {
        ModelConfig one = ModelConfig.llama(32, 40, 1, 4, 2, 64, 32, true);
        List<TokenBatch> batches = batches();
        Map<String, HostTensor> a, b;
        List<StructureRef> ca, cb;
        Map<Integer, Integer> counts = new TreeMap<>();
        try (CausalLm model = CausalLm.random(one, 5, DType.F32)) {
            StructureSet set = DependencyGraph.trace(model).structures();
            counts.put(group(set, 0, Cluster.ATTENTION), 1);
            counts.put(group(set, 0, Cluster.MLP), 9);
            Set<String> mods = new HashSet<>();
            for (int g : counts.keySet()) mods.add(SliceMath.module(dependentWeight(set.groups().get(g))));
            ca = ObsSelection.selectAndCompensate(model, set, counts, Calibration.collect(model, batches, false, mods), RIDGE);
            Masking.zero(model, null, set, ca);
            a = model.toHost();
        }
        int[] calls = {0};
        try (CausalLm model = CausalLm.random(one, 5, DType.F32)) {
            StructureSet set = DependencyGraph.trace(model).structures();
            cb = ObsSelection.sequential(model, set, counts, mods -> { calls[0]++; return Calibration.collect(model, batches, false, mods); }, RIDGE, Set.of());
            b = model.toHost();
        }
        assertEquals(1, calls[0]);
        assertEquals(new HashSet<>(ca), new HashSet<>(cb));
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).data(), b.get(k).data(), k);
    }

    /**
     * Three layers, counts in layers 0 and 2 only: the calibration function runs once per layer with
     * work, first to last, for that layer's modules only, and sees the earlier layers already pruned
     * and compensated; the result equals doing it by hand layer by layer.
     */
    @Test void sequentialRecalibratesOncePerLayerOnTheAlreadyPrunedModel() {
        List<TokenBatch> batches = batches();
        Map<Integer, Integer> counts = new TreeMap<>();
        List<Set<String>> asked = new ArrayList<>();
        Map<String, HostTensor> seq, byHand;
        List<StructureRef> chosenSeq;
        try (CausalLm model = CausalLm.random(CFG, 21, DType.F32)) {
            StructureSet set = DependencyGraph.trace(model).structures();
            counts.put(group(set, 0, Cluster.ATTENTION), 1);
            counts.put(group(set, 0, Cluster.MLP), 12);
            counts.put(group(set, 1, Cluster.MLP), 0);
            counts.put(group(set, 2, Cluster.MLP), 5);
            List<StructureRef> zeroAtCall = new ArrayList<>();
            chosenSeq = ObsSelection.sequential(model, set, counts, mods -> {
                asked.add(Set.copyOf(mods));
                if (asked.size() == 2) zeroAtCall.addAll(Zeros.structures(model, set));
                return Calibration.collect(model, batches, false, mods);
            }, RIDGE, Set.of());
            seq = model.toHost();
            assertEquals(List.of(Set.of("model.layers.0.self_attn.o_proj", "model.layers.0.mlp.down_proj"), Set.of("model.layers.2.mlp.down_proj")), asked);
            List<StructureRef> layer0 = chosenSeq.stream().filter(r -> set.groups().get(r.group()).layer() == 0).toList();
            assertEquals(13, layer0.size());
            assertEquals(new HashSet<>(layer0), new HashSet<>(zeroAtCall), "layer 0 pruned before layer 2 was calibrated");
            assertEquals(18, chosenSeq.size());
        }
        try (CausalLm model = CausalLm.random(CFG, 21, DType.F32)) {
            StructureSet set = DependencyGraph.trace(model).structures();
            List<StructureRef> all = new ArrayList<>();
            Map<Integer, Integer> l0 = Map.of(group(set, 0, Cluster.ATTENTION), 1, group(set, 0, Cluster.MLP), 12);
            List<StructureRef> c0 = ObsSelection.selectAndCompensate(model, set, l0, Calibration.collect(model, batches, false, asked.get(0)), RIDGE);
            Masking.zero(model, null, set, c0);
            List<StructureRef> c2 = ObsSelection.selectAndCompensate(model, set, Map.of(group(set, 2, Cluster.MLP), 5),
                    Calibration.collect(model, batches, false, asked.get(1)), RIDGE);
            Masking.zero(model, null, set, c2);
            all.addAll(c0);
            all.addAll(c2);
            byHand = model.toHost();
            assertEquals(new HashSet<>(all), new HashSet<>(chosenSeq));
        }
        for (String k : seq.keySet()) assertArrayEquals(byHand.get(k).data(), seq.get(k).data(), k);
    }
}
