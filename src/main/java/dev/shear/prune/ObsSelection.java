package dev.shear.prune;

import dev.shear.graph.Cut;
import dev.shear.graph.Structure;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.graph.PrunableGroup;

import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Structured optimal brain surgeon per node group. A structure's removal zeroes its input columns
 * R of the group's o_proj / down_proj; with the kept columns updated optimally, the layer's output
 * error over the calibration inputs grows by tr(W_R [H⁻¹_RR]⁻¹ W_Rᵀ), H = Σ x xᵀ + λI. Structures are
 * removed greedily, cheapest first, each removal updating the kept columns
 * (W ← W − W_R [H⁻¹_RR]⁻¹ H⁻¹_R·) and downdating H⁻¹, so later choices see the compensated layer.
 * Where the projection has a bias (GPT-NeoX, a FLAP-compacted model), the bias is the weight of a
 * constant input 1, one more column that is never removed, so the refit moves what the removed
 * channels gave on average into it.
 */
public final class ObsSelection {
    private ObsSelection() {}

    /**
     * The ridge added to H's diagonal, as a fraction of its mean: enough to keep H⁻¹ stable for
     * inputs that never vary, small enough not to blunt the reconstruction (0.001 and 0.1 screened
     * no better than 0.01 on stories260K's validation split).
     */
    public static final double RIDGE = 0.01;

    /** @return the removed structures; the model's dependent weights hold the compensated values */
    public static List<StructureRef> selectAndCompensate(CausalLm model, StructureSet set, Map<Integer, Integer> counts, Calibration calib, double ridge) {
        return selectAndCompensate(model, set, counts, calib, ridge, java.util.Set.of());
    }

    /** @param already structures removed before (their columns are dead and never chosen again) */
    public static List<StructureRef> selectAndCompensate(CausalLm model, StructureSet set, Map<Integer, Integer> counts, Calibration calib, double ridge,
                                                         java.util.Set<StructureRef> already) {
        return selectAndCompensate(model, set, counts, calib, ridge, already, true);
    }

    /**
     * @param intoBias compensate into the dependent weight's bias where the model has one (a column for a
     *                 constant input); false leaves biases alone (tests compare the two)
     */
    static List<StructureRef> selectAndCompensate(CausalLm model, StructureSet set, Map<Integer, Integer> counts, Calibration calib, double ridge,
                                                         java.util.Set<StructureRef> already, boolean intoBias) {
        Map<String, HostTensor> host = model.toHost();
        List<StructureRef> out = new ArrayList<>();
        try (StepScope s = Engine.openScope(model.store())) {
            for (Map.Entry<Integer, Integer> e : counts.entrySet()) {
                if (e.getValue() == 0) continue;
                PrunableGroup g = set.groups().get(e.getKey());
                String param = dependentWeight(g);
                HostTensor w = host.get(param);
                String module = SliceMath.module(param), bias = SliceMath.bias(param);
                // a bias is the weight of a constant input 1: one more column, never removed
                boolean biased = intoBias && host.containsKey(bias);
                int rows = w.rows(), in = w.cols(), cols = biased ? in + 1 : in;
                float[] wb = new float[rows * cols], b = biased ? host.get(bias).data() : null;
                for (int o = 0; o < rows; o++) {
                    System.arraycopy(w.data(), o * in, wb, o * cols, in);
                    if (biased) wb[o * cols + in] = b[o];
                }
                double[] c = biased ? withConstantInput(calib.secondMoment(module), calib.inputMean(module), calib.tokens(), in) : calib.secondMoment(module);
                out.addAll(greedy(e.getKey(), g, wb, rows, cols, c, e.getValue(), ridge, already, in));
                float[] updated = new float[rows * in], nb = new float[rows];
                for (int o = 0; o < rows; o++) {
                    System.arraycopy(wb, o * cols, updated, o * in, in);
                    if (biased) nb[o] = wb[o * cols + in];
                }
                model.param(param).assign(updated);
                if (biased) model.param(bias).assign(nb);
            }
        }
        return out;
    }

    /**
     * Layer by layer, first to last: each layer's inputs are collected from the model as the layers
     * before it were already pruned and compensated, so each reconstruction targets what the layer
     * will really see (as SparseGPT propagates pruned activations).
     *
     * @param covariances collects the calibration second moments of the given modules on the current model
     */
    public static List<StructureRef> sequential(CausalLm model, StructureSet set, Map<Integer, Integer> counts,
                                                java.util.function.Function<java.util.Set<String>, Calibration> covariances, double ridge,
                                                java.util.Set<StructureRef> already) {
        java.util.TreeMap<Integer, Map<Integer, Integer>> byLayer = new java.util.TreeMap<>();
        for (Map.Entry<Integer, Integer> e : counts.entrySet())
            if (e.getValue() > 0) byLayer.computeIfAbsent(set.groups().get(e.getKey()).layer(), l -> new java.util.TreeMap<>()).put(e.getKey(), e.getValue());
        List<StructureRef> out = new ArrayList<>();
        for (Map<Integer, Integer> layer : byLayer.values()) {
            java.util.Set<String> mods = new java.util.TreeSet<>();
            for (int g : layer.keySet()) mods.add(SliceMath.module(dependentWeight(set.groups().get(g))));
            List<StructureRef> chosen = selectAndCompensate(model, set, layer, covariances.apply(mods), ridge, already);
            Masking.zero(model, null, set, chosen);
            out.addAll(chosen);
        }
        return out;
    }

    /** The dependent (column) weights of the structures: where compensation writes. */
    public static java.util.Set<String> modules(StructureSet set, List<StructureRef> removed) {
        java.util.Set<String> m = new java.util.TreeSet<>();
        for (StructureRef r : removed) for (Cut c : set.get(r).dependent()) if (c.columns() && c.param().endsWith(".weight")) m.add(SliceMath.module(c.param()));
        return m;
    }

    private static String dependentWeight(PrunableGroup g) {
        String p = null;
        for (Structure st : g.structures())
            for (Cut c : st.dependent()) {
                if (!c.columns() || !c.param().endsWith(".weight")) continue;
                if (p != null && !p.equals(c.param())) throw new IllegalArgumentException("OBS selection: group " + g.id() + " feeds more than one weight (" + p + ", " + c.param() + ")");
                p = c.param();
            }
        if (p == null) throw new IllegalArgumentException("OBS selection: group " + g.id() + " has no dependent columns");
        return p;
    }

    private static int[] columns(Structure st, String param) {
        for (Cut c : st.dependent()) if (c.columns() && c.param().equals(param)) return c.indices();
        return new int[0];
    }

    /** Σ x xᵀ of a module's inputs with a constant 1 appended: the last row and column hold Σ x and the token count. */
    static double[] withConstantInput(double[] c, double[] mean, double n, int in) {
        double[] out = new double[(in + 1) * (in + 1)];
        for (int i = 0; i < in; i++) {
            System.arraycopy(c, i * in, out, i * (in + 1), in);
            out[i * (in + 1) + in] = out[in * (in + 1) + i] = mean[i] * n;
        }
        out[in * (in + 1) + in] = n;
        return out;
    }

    /**
     * Greedy removal of k structures of one group; w (out × in) is updated in place. The ridge is
     * {@code ridge} × the mean of H's first {@code ridgeDims} diagonal entries (the real inputs, not an
     * appended constant), added to every diagonal entry.
     */
    static List<StructureRef> greedy(int group, PrunableGroup g, float[] w, int out, int in, double[] c, int k, double ridge,
                                     java.util.Set<StructureRef> already, int ridgeDims) {
        double diag = 0;
        for (int j = 0; j < ridgeDims; j++) diag += c[j * in + j];
        double[] h = c.clone();
        for (int j = 0; j < in; j++) h[j * in + j] += ridge * diag / ridgeDims + 1e-12;
        boolean[] gone = new boolean[g.structures().size()];
        String param = dependentWeight(g);
        for (int si = 0; si < gone.length; si++)
            if (already.contains(new StructureRef(group, si))) {
                gone[si] = true;
                for (int o = 0; o < out; o++) for (int a : columns(g.structures().get(si), param)) w[o * in + a] = 0f;
                for (int a : columns(g.structures().get(si), param)) for (int j = 0; j < in; j++) if (j != a) h[a * in + j] = h[j * in + a] = 0;
            }
        double[] hinv = Dense.inverse(h, in);
        List<StructureRef> removed = new ArrayList<>();
        for (int step = 0; step < k; step++) {
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            double[] bestMinv = null;
            for (int si = 0; si < gone.length; si++) {
                if (gone[si]) continue;
                int[] r = columns(g.structures().get(si), param);
                double[] minv = Dense.inverse(Dense.block(hinv, in, r, r), r.length);
                double cost = 0;
                for (int o = 0; o < out; o++)
                    for (int a = 0; a < r.length; a++) {
                        double wa = w[o * in + r[a]];
                        if (wa == 0) continue;
                        for (int b = 0; b < r.length; b++) cost += wa * minv[a * r.length + b] * w[o * in + r[b]];
                    }
                if (cost < bestCost) { bestCost = cost; best = si; bestMinv = minv; }
            }
            if (best < 0) throw new IllegalArgumentException("OBS selection: group " + g.id() + " has fewer than " + k + " structures left to remove");
            int[] r = columns(g.structures().get(best), param);
            int rl = r.length;
            // W ← W − W_R M⁻¹ H⁻¹_R·  (zeroes W_R, compensates the rest)
            double[] coef = new double[out * rl];                       // W_R M⁻¹
            for (int o = 0; o < out; o++)
                for (int b = 0; b < rl; b++) {
                    double sum = 0;
                    for (int a = 0; a < rl; a++) sum += w[o * in + r[a]] * bestMinv[a * rl + b];
                    coef[o * rl + b] = sum;
                }
            for (int o = 0; o < out; o++)
                for (int j = 0; j < in; j++) {
                    double sum = 0;
                    for (int b = 0; b < rl; b++) sum += coef[o * rl + b] * hinv[r[b] * in + j];
                    w[o * in + j] -= (float) sum;
                }
            for (int si = 0; si < gone.length; si++) if (gone[si] || si == best) for (int a : columns(g.structures().get(si), param)) for (int o = 0; o < out; o++) w[o * in + a] = 0f;
            // H⁻¹ ← H⁻¹ − H⁻¹_·R M⁻¹ H⁻¹_R·
            double[] left = new double[in * rl];
            for (int i = 0; i < in; i++)
                for (int b = 0; b < rl; b++) {
                    double sum = 0;
                    for (int a = 0; a < rl; a++) sum += hinv[i * in + r[a]] * bestMinv[a * rl + b];
                    left[i * rl + b] = sum;
                }
            double[] rows = new double[rl * in];
            for (int b = 0; b < rl; b++) System.arraycopy(hinv, r[b] * in, rows, b * in, in);
            for (int i = 0; i < in; i++)
                for (int j = 0; j < in; j++) {
                    double sum = 0;
                    for (int b = 0; b < rl; b++) sum += left[i * rl + b] * rows[b * in + j];
                    hinv[i * in + j] -= sum;
                }
            gone[best] = true;
            removed.add(new StructureRef(group, best));
        }
        return removed;
    }
}
