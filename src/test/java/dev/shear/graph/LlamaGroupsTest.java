package dev.shear.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shear.engine.DType;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The traced groups equal the hand-derived table of docs/method.md, "Structures", extended to GQA, biases and untied heads. */
class LlamaGroupsTest {
    private static final LoraConfig ALL = new LoraConfig(LoraConfig.ALL_TARGETS, 4, 8, 0.0, 5);

    private static void check(ModelConfig c, LoraConfig lora) {
        try (CausalLm m = CausalLm.random(c, 11, DType.F32)) {
            LoraAdapters ad = lora == null ? null : LoraAdapters.insert(m, lora);
            DependencyGraph g = DependencyGraph.trace(m);
            ExpectedGroups.assertGraphHas(ExpectedGroups.llama(c, lora), g);
            assertEquals(m.numParams(), g.totalParams(), "total base parameters");
            if (ad != null) ad.discard();
        }
    }

    @Test void stories260kShapeMatchesTheTable() { check(GraphFixtures.stories260k(), null); }

    @Test void stories260kShapeWithPaperLoraMatchesTheTable() { check(GraphFixtures.stories260k(), LoraConfig.paperDefaults(3)); }

    @Test void multiHeadUntiedMatchesTheTable() {
        check(ModelConfig.llama(48, 80, 2, 4, 4, 64, 32, false), null);
        check(ModelConfig.llama(48, 80, 2, 4, 4, 64, 32, false), ALL);
    }

    @Test void groupedQueryWithQwenBiasesMatchesTheTable() {
        ModelConfig qwen = ModelConfig.llama(64, 96, 2, 8, 2, 64, 32, false).withBiases(true, false);
        check(qwen, null);
        check(qwen, ALL);
    }

    @Test void outputBiasesJoinTheHiddenDimension() {
        check(ModelConfig.llama(32, 40, 1, 4, 2, 32, 16, true).withBiases(true, true), LoraConfig.paperDefaults(1));
    }

    @Test void nonUniformPrunedLayersMatchTheTable() {
        ModelConfig base = ModelConfig.llama(64, 96, 3, 8, 4, 64, 32, false);
        ModelConfig pruned = base.withLayers(List.of(new LayerWidths(6, 3, 8, 70), new LayerWidths(4, 4, 8, 96), new LayerWidths(8, 2, 8, 13)));
        check(pruned, null);
        check(pruned, LoraConfig.paperDefaults(8));
    }

    @Test void layerWithNothingLeftHasNoGroups() {
        ModelConfig c = ModelConfig.llama(32, 40, 2, 4, 2, 32, 16, true)
                .withLayers(List.of(new LayerWidths(4, 2, 8, 40), new LayerWidths(0, 0, 8, 0)));
        try (CausalLm m = CausalLm.random(c, 5, DType.F32)) {
            DependencyGraph g = DependencyGraph.trace(m);
            assertEquals(List.of("layers.0.attention", "layers.0.mlp", "hidden", "logits"), g.groups().stream().map(NodeGroup::id).toList());
            assertEquals(m.numParams(), g.totalParams());
        }
    }

    @Test void paperSizesPerStructure() {
        // LLaMA-7B: one head = 4*4096*128, one MLP channel = 3*4096 (checked on a 1-layer slice of that width).
        ModelConfig c = ModelConfig.llama(4096, 16, 1, 32, 32, 8, 8, true);
        assertEquals(2_097_152L, ExpectedGroups.llama(c, null).get(0).paramsPerStructure());
        assertEquals(12_288L, ExpectedGroups.llama(c, null).get(1).paramsPerStructure());
        List<ExpectedGroups.Group> small = ExpectedGroups.llama(ModelConfig.llama(48, 80, 1, 4, 4, 64, 32, true), null);
        try (CausalLm m = CausalLm.random(ModelConfig.llama(48, 80, 1, 4, 4, 64, 32, true), 2, DType.F32)) {
            DependencyGraph g = DependencyGraph.trace(m);
            assertEquals(4L * 48 * 12, g.group("layers.0.attention").paramsPerStructure());
            assertEquals(3L * 48, g.group("layers.0.mlp").paramsPerStructure());
            ExpectedGroups.assertGraphHas(small, g);
        }
    }
}
