package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.graph.Cluster;
import dev.shear.graph.Cut;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.Slice;
import dev.shear.graph.Structure;
import dev.shear.graph.StructureRef;
import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.graph.HandTable;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Structured OBS with the layer's bias as the weight of a constant input. Checked against a direct
 * fp64 least-squares solve written here (normal equations with an intercept, Gaussian elimination),
 * not against the downdates the greedy uses: after the greedy, [W' b'] must be the ridge refit of the
 * kept columns and the bias on the calibration inputs, and that refit can only lower the error of
 * the same removal without a bias. On a model that has o_proj / down_proj biases, selectAndCompensate
 * writes the refit bias back.
 */
class ObsBiasCompensationTest {
    private static final int OUT = 5, WIDTH = 3, STRUCTURES = 4, IN = WIDTH * STRUCTURES, TOKENS = 400;
    private static final double RIDGE = 0.01;

    private static PrunableGroup group() {
        List<Structure> s = new ArrayList<>();
        for (int i = 0; i < STRUCTURES; i++) {
            int[] cols = new int[WIDTH];
            for (int j = 0; j < WIDTH; j++) cols[j] = i * WIDTH + j;
            s.add(new Structure(i, List.of(), List.of(new Cut("layer.weight", Slice.Axis.IN, Slice.Role.IN, cols, null)), 1));
        }
        return new PrunableGroup("layer", Cluster.MLP, 0, s, true);
    }

    /** Inputs with a clear non-zero mean per channel, as gated MLP activations have. */
    private static double[][] inputs(Random rnd) {
        double[][] x = new double[TOKENS][IN];
        for (int t = 0; t < TOKENS; t++) {
            double shared = rnd.nextGaussian();
            for (int j = 0; j < IN; j++) x[t][j] = 0.8 + 0.3 * j % 1.1 + 0.5 * rnd.nextGaussian() + 0.3 * shared;
        }
        return x;
    }

    /** H over [x, 1] plus the ridge the greedy adds: ridge × mean of the real inputs' diagonal, on every diagonal entry. */
    private static double[][] augmentedHessian(double[][] x) {
        int n = IN + 1;
        double[][] h = new double[n][n];
        for (double[] row : x) {
            double[] a = java.util.Arrays.copyOf(row, n);
            a[IN] = 1;
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) h[i][j] += a[i] * a[j];
        }
        double diag = 0;
        for (int j = 0; j < IN; j++) diag += h[j][j];
        for (int j = 0; j < n; j++) h[j][j] += RIDGE * diag / IN + 1e-12;
        return h;
    }

    /** Solves A z = r by Gaussian elimination with partial pivoting (fp64). */
    private static double[] solve(double[][] a0, double[] r0) {
        int n = r0.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) a[i] = a0[i].clone();
        double[] r = r0.clone();
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int i = c + 1; i < n; i++) if (Math.abs(a[i][c]) > Math.abs(a[p][c])) p = i;
            double[] t = a[c]; a[c] = a[p]; a[p] = t;
            double tr = r[c]; r[c] = r[p]; r[p] = tr;
            for (int i = c + 1; i < n; i++) {
                double f = a[i][c] / a[c][c];
                for (int j = c; j < n; j++) a[i][j] -= f * a[c][j];
                r[i] -= f * r[c];
            }
        }
        double[] z = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = r[i];
            for (int j = i + 1; j < n; j++) s -= a[i][j] * z[j];
            z[i] = s / a[i][i];
        }
        return z;
    }

    /** Row o of the refit: argmin over the kept entries of (w - w')ᵀ H (w - w'), the others zero. */
    private static double[] refitRow(double[] w, double[][] h, List<Integer> kept) {
        int k = kept.size();
        double[][] a = new double[k][k];
        double[] r = new double[k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) a[i][j] = h[kept.get(i)][kept.get(j)];
            for (int j = 0; j < w.length; j++) r[i] += h[kept.get(i)][j] * w[j];
        }
        double[] z = solve(a, r), out = new double[w.length];
        for (int i = 0; i < k; i++) out[kept.get(i)] = z[i];
        return out;
    }

    private static double outputError(double[][] x, double[][] w, double[] b, double[][] w2, double[] b2) {
        double e = 0;
        for (double[] row : x)
            for (int o = 0; o < OUT; o++) {
                double y = b[o], y2 = b2[o];
                for (int j = 0; j < IN; j++) {
                    y += w[o][j] * row[j];
                    y2 += w2[o][j] * row[j];
                }
                e += (y - y2) * (y - y2);
            }
        return e;
    }

    @Test void theBiasColumnRefitsToTheLeastSquaresSolutionWithAnIntercept() {
        Random rnd = new Random(7);
        double[][] x = inputs(rnd), w = new double[OUT][IN];
        double[] b = new double[OUT];
        for (int o = 0; o < OUT; o++) {
            for (int j = 0; j < IN; j++) w[o][j] = rnd.nextGaussian();
            b[o] = 0.1 * rnd.nextGaussian();
        }
        double[] c = new double[IN * IN], mean = new double[IN];
        for (double[] row : x)
            for (int i = 0; i < IN; i++) {
                mean[i] += row[i] / TOKENS;
                for (int j = 0; j < IN; j++) c[i * IN + j] += row[i] * row[j];
            }
        float[] wb = new float[OUT * (IN + 1)];
        for (int o = 0; o < OUT; o++) {
            for (int j = 0; j < IN; j++) wb[o * (IN + 1) + j] = (float) w[o][j];
            wb[o * (IN + 1) + IN] = (float) b[o];
        }
        List<StructureRef> removed = ObsSelection.greedy(0, group(), wb, OUT, IN + 1,
                ObsSelection.withConstantInput(c, mean, TOKENS, IN), 2, RIDGE, Set.of(), IN);
        assertEquals(2, removed.size());

        Set<Integer> gone = new HashSet<>();
        for (StructureRef r : removed) for (int j = 0; j < WIDTH; j++) gone.add(r.structure() * WIDTH + j);
        List<Integer> kept = new ArrayList<>();
        for (int j = 0; j <= IN; j++) if (!gone.contains(j)) kept.add(j);
        double[][] h = augmentedHessian(x), w2 = new double[OUT][IN];
        double[] b2 = new double[OUT];
        double worst = 0, bMoved = 0;
        for (int o = 0; o < OUT; o++) {
            double[] full = java.util.Arrays.copyOf(w[o], IN + 1);
            full[IN] = b[o];
            double[] want = refitRow(full, h, kept);
            for (int j = 0; j <= IN; j++) worst = Math.max(worst, Math.abs(want[j] - wb[o * (IN + 1) + j]) / (1 + Math.abs(want[j])));
            for (int j = 0; j < IN; j++) w2[o][j] = wb[o * (IN + 1) + j];
            b2[o] = wb[o * (IN + 1) + IN];
            bMoved = Math.max(bMoved, Math.abs(b2[o] - b[o]));
        }
        assertTrue(worst < 1e-4, "refit differs from the direct solve by " + worst);
        for (int j : gone) for (int o = 0; o < OUT; o++) assertEquals(0f, wb[o * (IN + 1) + j], "removed column " + j + " is not zero");
        assertTrue(bMoved > 0.05, "the removed channels' mean never reached the bias (largest move " + bMoved + ")");

        // the same removal refit without a bias column cannot do better on the calibration inputs
        double[][] hNoBias = new double[IN][IN];
        for (int i = 0; i < IN; i++) System.arraycopy(h[i], 0, hNoBias[i], 0, IN);
        List<Integer> keptNoBias = kept.subList(0, kept.size() - 1);
        double[][] w3 = new double[OUT][];
        for (int o = 0; o < OUT; o++) w3[o] = refitRow(w[o], hNoBias, keptNoBias);
        double withBias = outputError(x, w, b, w2, b2), without = outputError(x, w, b, w3, b);
        assertTrue(withBias < 0.99 * without, "bias column error " + withBias + " vs " + without + " without it");
    }

    /**
     * A LLaMA model with output biases: compensating one MLP group with the bias column moves its
     * down_proj bias and leaves a smaller output error on the calibration inputs than the same call
     * with biases left alone, which must not touch the bias.
     */
    @Test void aModelWithOutputBiasesCompensatesIntoThem() {
        ModelConfig cfg = LoraShearObsTest.CFG.withBiases(false, true);
        Map<String, HostTensor> w = CausalLm.randomWeights(cfg, 3, 0.2f);
        Random rnd = new Random(5);
        for (Map.Entry<String, HostTensor> e : w.entrySet())
            if (e.getKey().endsWith(".bias")) for (int i = 0; i < e.getValue().data().length; i++) e.getValue().data()[i] = (float) (0.1 * rnd.nextGaussian());
        try (CausalLm with = CausalLm.fromWeights(cfg, w, DType.F32); CausalLm without = CausalLm.fromWeights(cfg, w, DType.F32)) {
            StructureSet set = HandTable.llama(with, Set.of());
            int mlp = -1;
            for (int g = 0; g < set.groups().size(); g++)
                if (set.groups().get(g).cluster() == Cluster.MLP && set.groups().get(g).layer() == 1) mlp = g;
            List<StructureRef> all = new ArrayList<>(set.prunable(Cluster.MLP));
            Calibration calib = Calibration.collect(with, LoraShearObsTest.calibration(), false, ObsSelection.modules(set, all));
            String weight = "model.layers.1.mlp.down_proj.weight", bias = "model.layers.1.mlp.down_proj.bias", module = "model.layers.1.mlp.down_proj";
            ObsSelection.selectAndCompensate(with, set, Map.of(mlp, 20), calib, ObsSelection.RIDGE, Set.of(), true);
            ObsSelection.selectAndCompensate(without, set, Map.of(mlp, 20), calib, ObsSelection.RIDGE, Set.of(), false);
            Map<String, HostTensor> a = with.toHost(), b = without.toHost();
            assertTrue(!java.util.Arrays.equals(w.get(bias).data(), a.get(bias).data()), "the bias column did not move the bias");
            assertTrue(java.util.Arrays.equals(w.get(bias).data(), b.get(bias).data()), "biases left alone were changed");
            double ea = error(w, a, weight, bias, calib, module), eb = error(w, b, weight, bias, calib, module);
            assertTrue(ea < eb, "output error with the bias column " + ea + ", without " + eb);
        }
    }

    /** Σ_t ‖(W − W′) x_t + (b − b′)‖² over the calibration inputs, from their sums. */
    private static double error(Map<String, HostTensor> before, Map<String, HostTensor> after, String weight, String bias, Calibration calib, String module) {
        double[] c = calib.secondMoment(module), mean = calib.inputMean(module);
        int rows = before.get(weight).rows(), in = before.get(weight).cols();
        double n = calib.tokens(), total = 0;
        for (int o = 0; o < rows; o++) {
            double[] d = new double[in];
            for (int j = 0; j < in; j++) d[j] = before.get(weight).data()[o * in + j] - after.get(weight).data()[o * in + j];
            double db = before.get(bias).data()[o] - after.get(bias).data()[o], quad = 0, lin = 0;
            for (int i = 0; i < in; i++) {
                lin += d[i] * mean[i] * n;
                for (int j = 0; j < in; j++) quad += d[i] * c[i * in + j] * d[j];
            }
            total += quad + 2 * db * lin + n * db * db;
        }
        return total;
    }
}
