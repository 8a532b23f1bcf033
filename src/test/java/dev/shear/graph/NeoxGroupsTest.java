package dev.shear.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GPT-NeoX / Pythia through the same rules: per-head fused QKV rows with bias, dense columns, GELU MLP channels. */
class NeoxGroupsTest {
    private static final LoraConfig LORA = new LoraConfig(List.of("qkv", "dense", "h_to_4h", "4h_to_h"), 4, 8, 0.0, 9);

    private static DependencyGraph checked(ModelConfig c, LoraConfig lora) {
        try (CausalLm m = CausalLm.random(c, 12, DType.F32)) {
            LoraAdapters ad = lora == null ? null : LoraAdapters.insert(m, lora);
            DependencyGraph g = DependencyGraph.trace(m);
            ExpectedGroups.assertGraphHas(ExpectedGroups.neox(c, lora), g);
            assertEquals(m.numParams(), g.totalParams());
            if (ad != null) ad.discard();
            return g;
        }
    }

    @Test void parallelResidualMatchesTheTable() { checked(GraphFixtures.pythia(2, true), null); }

    @Test void sequentialResidualMatchesTheTable() { checked(GraphFixtures.pythia(2, false), null); }

    @Test void withLoraMatchesTheTable() { checked(GraphFixtures.pythia(2, true), LORA); }

    @Test void headSpansItsInterleavedQkvRows() {
        DependencyGraph g = checked(GraphFixtures.pythia(1, true), null);
        NodeGroup att = g.group("layers.0.attention");
        Slice qkv = att.member("gpt_neox.layers.0.attention.query_key_value.weight", Slice.Axis.OUT);
        // head 1 of 4 with hd 16: q rows 48..63, k rows 64..79, v rows 80..95
        assertArrayEquals(java.util.stream.IntStream.range(48, 96).toArray(), qkv.indices(1));
        assertArrayEquals(java.util.stream.IntStream.range(16, 32).toArray(),
                att.member("gpt_neox.layers.0.attention.dense.weight", Slice.Axis.IN).indices(1));
        assertTrue(att.rowZeroInvariant());
        assertTrue(g.group("layers.0.mlp").rowZeroInvariant());
    }
}
