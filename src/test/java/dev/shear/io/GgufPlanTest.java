package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@link LlamaCppPlan} widens, and that widening with zeros leaves Shear's logits unchanged. */
class GgufPlanTest {
    static final int[][] TOKENS = {{1, 7, 3, 9, 22, 5, 17, 30, 2, 11, 260, 4}};

    static float[] logits(LoadedModel m) {
        try (CausalLm lm = CausalLm.fromWeights(m.config(), m.weights(), DType.F32); StepScope s = Engine.openScope(lm.store())) {
            return lm.forward(s.tokens(TOKENS)).toFloats();
        }
    }

    static void assertSameFunction(LoadedModel a, LoadedModel b) {
        float[] x = logits(a), y = logits(b);
        double scale = 0, worst = 0;
        for (float v : x) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / scale);
        assertTrue(worst < 1e-5, "padding changed the logits by " + worst);
    }

    /** Group sizes 2, 1, -, 3 and output biases: the hardest case for a uniform layout. */
    static LoadedModel varyingGroups(RopeLayout layout) {
        List<LayerWidths> layers = List.of(new LayerWidths(4, 2, 8, 24), new LayerWidths(2, 2, 8, 7),
                new LayerWidths(0, 0, 8, 0), new LayerWidths(6, 2, 8, 40));
        ModelConfig c = ModelConfig.llama(32, 24, 4, 4, 2, 300, 64, false).withLayers(layers).withBiases(true, true).withRopeLayout(layout);
        Map<String, HostTensor> w = CausalLm.randomWeights(c, 9, 0.3f);
        java.util.Random rnd = new java.util.Random(2);
        for (HostTensor t : w.values()) if (t.shape().length == 1) for (int i = 0; i < t.data().length; i++) t.data()[i] += (float) rnd.nextGaussian() * 0.1f;
        return new LoadedModel(c, w, null);
    }

    @Test void uniformLlamaFallbackDuplicatesKvHeadsAndPadsWithZeros() {
        for (RopeLayout layout : RopeLayout.values()) {
            LoadedModel m = varyingGroups(layout);
            LlamaCppPlan plan = LlamaCppPlan.of(m.config(), new LlamaCppPlan.Options(GgufArch.LLAMA, 1));
            assertTrue(plan.target().isUniform());
            assertEquals(new LayerWidths(6, 6, 8, 40), plan.target().layer(0), "max heads, gcd group size 1, widest MLP");
            assertEquals(LlamaCppPlan.params(plan.target()) - LlamaCppPlan.params(m.config()), plan.addedParams());
            assertSameFunction(m, plan.apply(m));
        }
    }

    @Test void deciKeepsWidthsButFillsWhatLlamaCppMishandles() {
        LoadedModel m = varyingGroups(RopeLayout.HALF);
        LlamaCppPlan plan = LlamaCppPlan.of(m.config(), LlamaCppPlan.Options.AUTO);
        assertEquals(GgufArch.DECI, plan.arch());
        assertEquals(new LayerWidths(4, 2, 8, 24), plan.target().layer(0));
        assertEquals(new LayerWidths(1, 1, 8, 1), plan.target().layer(2), "empty MLP gets a channel; with an o_proj bias, a head");
        assertEquals(2, plan.changes().size(), plan.changes().toString());
        assertSameFunction(m, plan.apply(m));
    }

    @Test void headlessFirstLayerKeepsOneZeroHead() {
        ModelConfig c = ModelConfig.llama(32, 24, 2, 4, 2, 300, 64, true).withLayers(List.of(new LayerWidths(0, 0, 8, 24), new LayerWidths(4, 2, 8, 24)));
        LoadedModel m = new LoadedModel(c, CausalLm.randomWeights(c, 4, 0.3f), null);
        LlamaCppPlan plan = LlamaCppPlan.of(c, LlamaCppPlan.Options.AUTO);
        assertEquals(new LayerWidths(1, 1, 8, 24), plan.target().layer(0));
        assertEquals(4L * 8 * 32, plan.addedParams());
        assertSameFunction(m, plan.apply(m));
    }

    @Test void alignmentRoundsEveryMlpUp() {
        LoadedModel m = GgufRoundTripTest.prunedLike(4);
        LlamaCppPlan plan = LlamaCppPlan.of(m.config(), new LlamaCppPlan.Options(null, 8));
        assertEquals(List.of(24, 8, 8, 40), plan.target().layers().stream().map(LayerWidths::intermediateSize).toList());
        assertEquals(3L * 32 * (1 + 7), plan.addedParams());
        assertSameFunction(m, plan.apply(m));
        assertTrue(plan.report().get(plan.report().size() - 1).contains("adds " + plan.addedParams()), plan.report().toString());
    }

    @Test void uniformModelNeedsNothing() {
        LoadedModel stories = ModelFolder.load(TestData.stories260K());
        LlamaCppPlan plan = LlamaCppPlan.of(stories.config(), LlamaCppPlan.Options.AUTO);
        assertEquals(GgufArch.LLAMA, plan.arch());
        assertSame(stories, plan.apply(stories));
        assertEquals(0, plan.addedParams());
    }
}
