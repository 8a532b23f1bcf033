package dev.shear.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.engine.DType;
import dev.shear.testing.Families;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every family against the independent float64 numpy reference (reference/families_ref.py): a
 * random-weight model in the family's real config shape, shrunk but with its features (GQA,
 * head_dim unlike hidden/heads, rope scaling, soft-caps, a sliding window shorter than the
 * sequence), loaded from its Hugging Face folder. Logits within 1e-5 relative, greedy tokens equal.
 */
class FamilyReferenceTest {
    private static final double TOL = 1e-5;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FamilyReferenceTest.class);

    static java.util.List<String> fixtures() { return Families.ALL; }

    @ParameterizedTest @MethodSource("fixtures")
    void logitsMatchTheFloat64Reference(String name) {
        JsonNode g = Families.golden(name);
        try (CausalLm m = Families.load(name, DType.F32)) {
            double d = Families.relDiff(Families.doubles(g.get("logits")), Families.logits(m, Families.ints(g.get("tokens"))));
            LOG.info("{} ({}): logits differ from the float64 reference by {} (relative)", name, m.config().family(), d);
            assertTrue(d <= TOL, name + ": logits differ by " + d);
            if (g.has("short_tokens")) {
                double s = Families.relDiff(Families.doubles(g.get("short_logits")), Families.logits(m, Families.ints(g.get("short_tokens"))));
                assertTrue(s <= TOL, name + ": short-sequence logits differ by " + s);
            }
        }
    }

    @ParameterizedTest @MethodSource("fixtures")
    void greedyTokensMatchTheReference(String name) {
        JsonNode g = Families.golden(name);
        int[] prompt = Families.ints(g.get("prompt")), expected = Families.ints(g.get("greedy"));
        try (CausalLm m = Families.load(name, DType.F32)) {
            assertArrayEquals(expected, uncached(m, prompt, expected.length), name + ": greedy tokens rerunning the prefix");
            if (!lengthDependentRope(m.config())) {
                int[] cached = Generator.generate(m, prompt, expected.length, Sampler.greedy(), t -> false);
                assertArrayEquals(expected, Arrays.copyOfRange(cached, prompt.length, cached.length), name + ": greedy tokens with the KV cache");
            }
        }
    }

    /** Dynamic NTK and LongRoPE rotate by the pass's length, so a cache's older keys differ from a rerun (as in transformers). */
    private static boolean lengthDependentRope(ModelConfig c) { return c.features().ropeScaling().lengthDependent(); }

    private static int[] uncached(CausalLm m, int[] prompt, int n) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + n);
        for (int i = prompt.length; i < seq.length; i++) {
            double[] l = Families.logits(m, Arrays.copyOf(seq, i));
            int v = m.config().vocabSize(), best = 0;
            for (int j = 1; j < v; j++) if (l[(i - 1) * v + j] > l[(i - 1) * v + best]) best = j;
            seq[i] = best;
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    @ParameterizedTest @MethodSource("fixtures")
    void costCountsEveryParameter(String name) {
        try (CausalLm m = Families.load(name, DType.F32)) {
            assertEquals(m.numParams(), ModelCost.of(m.config(), 1, 4).params(), name);
        }
    }

    @Test void configsCarryTheirFamilyFeatures() {
        try (CausalLm m = Families.load("gemma3", DType.F32)) {
            Features f = m.config().features();
            assertEquals(Family.GEMMA3, f.family());
            assertEquals(java.util.List.of(true, false, true), f.slidingLayers());
            assertEquals(10000.0, f.localRopeTheta());
            assertTrue(f.qkNorm() && f.unitOffsetNorms() && f.sandwichNorms() && f.scaleEmbeddings());
            assertEquals(new RopeScaling.Linear(8.0), f.ropeScaling());
        }
        try (CausalLm m = Families.load("phi3", DType.F32)) {
            assertEquals(Family.PHI3, m.config().family());
            assertEquals(8, m.config().rotaryDim(0));
            assertTrue(m.config().features().ropeScaling() instanceof RopeScaling.LongRope l && l.originalMax() == 8);
            assertTrue(m.params().containsKey(WeightNames.Linear.K.weight(0)), "Phi-3's qkv_proj is split into q/k/v projections");
        }
    }
}
