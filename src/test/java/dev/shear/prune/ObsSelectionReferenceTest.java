package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.graph.Cluster;
import dev.shear.graph.Cut;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.Slice;
import dev.shear.graph.Structure;
import dev.shear.graph.StructureRef;
import dev.shear.testing.Golden;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Structured OBS selection and its fp64 linear algebra against the independent numpy reference
 * (reference/obs_ref.py, golden/obs_selection.json): closed-form refits and direct error
 * evaluations there, rank-one-style downdates here.
 */
class ObsSelectionReferenceTest {
    private static final JsonNode GOLDEN = Golden.json("obs_selection.json");

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asDouble();
        return out;
    }

    private static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).asDouble();
        return out;
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    @Test void choleskySolveAndInverseMatchNumpy() {
        for (JsonNode c : GOLDEN.get("cholesky")) {
            int n = c.get("n").asInt(), m = c.get("m").asInt();
            double[] a = doubles(c.get("a")), b = doubles(c.get("b"));
            double[] x = Cholesky.solve(a, n, b, m), want = doubles(c.get("x"));
            double[] inv = Dense.inverse(a, n), wantInv = doubles(c.get("inverse"));
            for (int i = 0; i < want.length; i++) assertEquals(want[i], x[i], 1e-12 * Math.max(1, maxAbs(want)), "n " + n + " x[" + i + "]");
            for (int i = 0; i < wantInv.length; i++) assertEquals(wantInv[i], inv[i], 1e-12 * Math.max(1, maxAbs(wantInv)), "n " + n + " inv[" + i + "]");
            assertEquals(a.length, n * n);
        }
    }

    @Test void choleskyLeavesItsInputsAloneAndRejectsIndefiniteMatrices() {
        double[] a = {4, 2, 2, 3}, b = {1, 2};
        Cholesky.solve(a, 2, b, 1);
        assertTrue(java.util.Arrays.equals(new double[] {4, 2, 2, 3}, a) && java.util.Arrays.equals(new double[] {1, 2}, b));
        assertThrows(IllegalStateException.class, () -> Cholesky.solve(new double[] {1, 2, 2, 1}, 2, new double[] {1, 1}, 1));
        assertThrows(IllegalStateException.class, () -> Dense.inverse(new double[] {0}, 1));
    }

    @Test void blockReadsTheNamedRowsAndColumns() {
        double[] a = new double[16];
        for (int i = 0; i < 16; i++) a[i] = i;               // a[r][c] = 4r + c
        assertTrue(java.util.Arrays.equals(new double[] {7, 5, 15, 13}, Dense.block(a, 4, new int[] {1, 3}, new int[] {3, 1})));
    }

    /** Exact identities on random SPD matrices B Bᵀ + n I: A·A⁻¹ = I, A⁻¹ symmetric, and A·solve(A, B) = B. */
    @Property(tries = 60)
    void inverseTimesMatrixIsIdentity(@ForAll @IntRange(min = 1, max = 24) int n, @ForAll @IntRange(min = 1, max = 4) int m, @ForAll long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[] g = new double[n * n];
        for (int i = 0; i < g.length; i++) g[i] = r.nextGaussian();
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = i == j ? n : 0;
                for (int k = 0; k < n; k++) s += g[i * n + k] * g[j * n + k];
                a[i * n + j] = s;
            }
        double[] inv = Dense.inverse(a, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
                assertEquals(i == j ? 1 : 0, s, 1e-10, "(A A^-1)[" + i + "][" + j + "]");
                assertEquals(inv[i * n + j], inv[j * n + i], 1e-12);
            }
        double[] b = new double[n * m];
        for (int i = 0; i < b.length; i++) b[i] = r.nextGaussian();
        double[] x = Cholesky.solve(a, n, b, m);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < m; c++) {
                double s = 0;
                for (int k = 0; k < n; k++) s += a[i * n + k] * x[k * m + c];
                assertEquals(b[i * m + c], s, 1e-9 * n);
            }
    }

    /** One group whose structures own the given input columns of "layer.weight" (as o_proj / down_proj columns). */
    static PrunableGroup group(JsonNode structures) {
        List<Structure> s = new ArrayList<>();
        for (int i = 0; i < structures.size(); i++)
            s.add(new Structure(i, List.of(), List.of(new Cut("layer.weight", Slice.Axis.IN, Slice.Role.IN, ints(structures.get(i)), null)), 1));
        return new PrunableGroup("layer", Cluster.ATTENTION, 0, s, true);
    }

    /**
     * Every reference case: the greedy order (each step's choice the cheapest by the reference's
     * direct error evaluation), the compensated weight equal to the closed-form refit of the kept
     * columns for the final removed set, removed columns exactly zero, already-removed structures
     * never chosen, exactly k chosen, and the greedy never better than the brute-force optimum.
     */
    @Test void greedyOrderAndCompensationMatchTheClosedFormReference() {
        List<String> failures = new ArrayList<>();
        for (JsonNode c : GOLDEN.get("obs")) if (!c.get("name").asText().equals("already-dead-inputs-live")) failures.addAll(check(c, false));
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /**
     * Structures removed before whose input channels still carry signal (second moments collected
     * before they were masked): their columns must stay zero, and the kept columns are refit with
     * them constrained to zero, so nothing is compensated into columns compaction will cut.
     */
    @Test void alreadyRemovedColumnsStayDeadWhenTheirInputsAreLive() {
        List<String> failures = new ArrayList<>();
        for (JsonNode c : GOLDEN.get("obs")) if (c.get("name").asText().equals("already-dead-inputs-live")) failures.addAll(check(c, false));
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /**
     * A removed structure's columns are exactly zero when selection returns, also those removed at
     * earlier steps (later updates must not leave round-off in them) and the already-removed ones.
     */
    @Test void removedColumnsAreExactlyZero() {
        List<String> failures = new ArrayList<>();
        for (JsonNode c : GOLDEN.get("obs")) if (!c.get("name").asText().equals("already-dead-inputs-live")) failures.addAll(check(c, true));
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static List<String> check(JsonNode c, boolean exactZeros) {
        List<String> failures = new ArrayList<>();
        {
            String name = c.get("name").asText();
            int out = c.get("out").asInt(), in = c.get("in").asInt(), k = c.get("k").asInt();
            PrunableGroup g = group(c.get("structures"));
            Set<StructureRef> already = new HashSet<>();
            for (JsonNode a : c.get("already")) already.add(new StructureRef(7, a.asInt()));
            float[] w = floats(c.get("w"));
            double[] cov = doubles(c.get("c"));
            double[] covCopy = cov.clone();
            List<StructureRef> chosen = ObsSelection.greedy(7, g, w, out, in, cov, k, c.get("ridge").asDouble(), already, in);
            assertTrue(java.util.Arrays.equals(covCopy, cov), name + ": the second moment was modified");

            List<Integer> order = chosen.stream().map(StructureRef::structure).toList();
            List<Integer> want = new ArrayList<>();
            for (JsonNode v : c.get("greedy")) want.add(v.asInt());
            assertEquals(k, chosen.size(), name);
            for (StructureRef r : chosen) {
                assertEquals(7, r.group(), name);
                assertTrue(!already.contains(r), name + ": chose an already removed structure " + r);
            }
            if (!want.equals(order)) failures.add(name + ": greedy order " + order + ", reference " + want + " (step costs " + c.get("step_costs") + ")");

            double[] comp = doubles(c.get("compensated"));
            double scale = maxAbs(comp);
            double worst = 0;
            int worstAt = -1;
            for (int i = 0; i < comp.length; i++) {
                double d = Math.abs(comp[i] - w[i]);
                if (d > worst) { worst = d; worstAt = i; }
            }
            if (worst > 2e-4 * scale)
                failures.add(name + ": compensated weight differs from the closed form by " + worst + " (scale " + scale + ") at row "
                        + worstAt / in + " column " + worstAt % in + ": " + w[worstAt] + " vs " + comp[worstAt]);
            Set<Integer> removedCols = new HashSet<>();
            for (JsonNode a : c.get("already")) for (JsonNode col : c.get("structures").get(a.asInt())) removedCols.add(col.asInt());
            for (int s : order) for (JsonNode col : c.get("structures").get(s)) removedCols.add(col.asInt());
            for (int col : removedCols)
                for (int o = 0; o < out; o++)
                    if (exactZeros ? w[o * in + col] != 0f : Math.abs(w[o * in + col]) > 1e-6 * scale) {
                        failures.add(name + ": removed column " + col + " is " + w[o * in + col] + " in row " + o);
                        break;
                    }
            assertTrue(c.get("greedy_error").asDouble() >= c.get("brute_force_error").asDouble() * (1 - 1e-12), name);
        }
        return failures;
    }

    /** Asking a group for more structures than it has left (already removed ones excluded) is a clear error, not an index failure. */
    @Test void askingForMoreThanAreLeftIsAClearError() {
        JsonNode c = GOLDEN.get("obs").get(0);
        int out = c.get("out").asInt(), in = c.get("in").asInt(), n = c.get("structures").size();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ObsSelection.greedy(0, group(c.get("structures")), floats(c.get("w")),
                out, in, doubles(c.get("c")), n, 0.01, Set.of(new StructureRef(0, 2)), in));
        assertTrue(e.getMessage().contains(String.valueOf(n)), e.getMessage());
    }

    /** Where greedy is provably exact (one structure; a diagonal H, whose costs add up) it picks the brute-force optimum. */
    @Test void greedyEqualsBruteForceWhereItIsExact() {
        for (JsonNode c : GOLDEN.get("obs")) {
            String name = c.get("name").asText();
            if (!name.equals("heads-k1") && !name.equals("diagonal")) continue;
            float[] w = floats(c.get("w"));
            List<StructureRef> chosen = ObsSelection.greedy(0, group(c.get("structures")), w, c.get("out").asInt(), c.get("in").asInt(),
                    doubles(c.get("c")), c.get("k").asInt(), c.get("ridge").asDouble(), Set.of(), c.get("in").asInt());
            Set<Integer> got = new HashSet<>(), brute = new HashSet<>();
            for (StructureRef r : chosen) got.add(r.structure());
            for (JsonNode v : c.get("brute_force")) brute.add(v.asInt());
            assertEquals(brute, got, name);
        }
    }
}
