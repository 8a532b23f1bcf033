package dev.shear.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.testing.Families;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dependency graph finds every family's structures by tracing, with no per-family code: per
 * layer one attention group (query heads, shared KV heads) and one MLP group, all prunable; the
 * per-head q/k norms and Gemma's extra norms belong to no prunable group. Every structure is
 * zero-invariant, checked as for LLaMA (zero it, randomise what it frees, the logits stay put).
 */
class FamilyGroupsTest {
    private static final LoraConfig LORA = new LoraConfig(LoraConfig.ALL_TARGETS, 4, 8, 0.0, 23);

    @ParameterizedTest @ValueSource(strings = {"llama3", "mistral", "qwen2", "qwen3", "gemma2", "gemma3", "phi3"})
    void tracingFindsHeadsAndChannelsOfEveryLayer(String name) {
        try (CausalLm m = Families.load(name, DType.F64)) {
            ModelConfig c = m.config();
            DependencyGraph g = DependencyGraph.trace(m);
            for (int i = 0; i < c.numLayers(); i++) {
                LayerWidths w = c.layer(i);
                NodeGroup att = g.group("layers." + i + ".attention"), mlp = g.group("layers." + i + ".mlp");
                assertTrue(att.prunable() && mlp.prunable(), name + " layer " + i + ": " + att.reasons() + " " + mlp.reasons());
                assertEquals(w.numHeads(), att.numStructures(), name + ": query heads");
                assertEquals(w.numKvHeads(), att.shared().map(SharedStructures::count).orElse(w.numHeads()), name + ": KV heads");
                assertEquals(w.intermediateSize(), mlp.numStructures(), name + ": MLP channels");
            }
            List<String> inGroups = g.prunableGroups().stream().flatMap(x -> x.members().stream()).map(Slice::param).toList();
            assertTrue(inGroups.stream().noneMatch(p -> p.contains("norm")), name + ": norms are never cut " + inGroups);
            assertEquals(2L * c.numLayers(), g.prunableGroups().size(), name + ": " + g.prunableGroups().stream().map(NodeGroup::id).toList());
        }
    }

    @ParameterizedTest @ValueSource(strings = {"llama3", "mistral", "qwen2", "qwen3", "gemma2", "gemma3", "phi3"})
    void everyStructureIsZeroInvariant(String name) {
        try (CausalLm m = Families.load(name, DType.F64)) {
            ZeroInvarianceTest.check(m, LORA, false);
        }
        try (CausalLm m = Families.load(name, DType.F64)) {
            ZeroInvarianceTest.check(m, null, true);
        }
    }
}
