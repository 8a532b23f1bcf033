package dev.shear.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import org.junit.jupiter.api.Test;

/** GQA selection modes keep every layer expressible as (heads, kv heads). */
class SelectionModeTest {
    @Test void groupedQueryModes() {
        try (CausalLm m = CausalLm.random(ModelConfig.llama(64, 32, 1, 8, 4, 32, 16, true), 1, DType.F32)) {
            NodeGroup att = DependencyGraph.trace(m).group("layers.0.attention");
            assertArrayEquals(new int[] {2, 3}, SelectionMode.kvGroups(att, 1));
            assertTrue(SelectionMode.KV_GROUP.allows(att, 2, 3));
            assertFalse(SelectionMode.KV_GROUP.allows(att, 2));
            assertTrue(SelectionMode.UNIFORM_PER_GROUP.allows(att, 0, 3, 4, 7));
            assertFalse(SelectionMode.UNIFORM_PER_GROUP.allows(att, 0, 1));
            assertTrue(SelectionMode.FREE.allows(att, 0));
            assertTrue(SelectionMode.expressible(att, 0, 1));          // kv group 0 gone, the others keep 2
            assertFalse(SelectionMode.expressible(att, 0));            // 1, 2, 2, 2 query heads per kv head
            assertArrayEquals(new int[] {0}, att.removal(0, 1).sharedStructures());
            assertArrayEquals(new int[0], att.removal(0, 2).sharedStructures());
        }
    }

    /** kv group j: query rows [j*rep*hd, (j+1)*rep*hd), k/v rows [j*hd, (j+1)*hd), o_proj columns as q rows (as prune's HandTable). */
    @Test void kvGroupViewMergesQueryHeadsWithTheirKvHead() {
        try (CausalLm m = CausalLm.random(GraphFixtures.stories260k(), 1, DType.F32)) {
            dev.shear.lora.LoraAdapters ad = dev.shear.lora.LoraAdapters.insert(m, dev.shear.lora.LoraConfig.paperDefaults(1));
            NodeGroup kv = DependencyGraph.trace(m).group("layers.2.attention").asKvGroups();
            int rep = 2, hd = 8, d = 64;
            assertTrue(kv.shared().isEmpty() && kv.rowZeroInvariant());
            org.junit.jupiter.api.Assertions.assertEquals(4, kv.numStructures());
            org.junit.jupiter.api.Assertions.assertEquals(2L * rep * hd * d + 2L * hd * d, kv.paramsPerStructure());
            String p = "model.layers.2.self_attn.";
            for (int j = 0; j < 4; j++) {
                int[] q = java.util.stream.IntStream.range(j * rep * hd, (j + 1) * rep * hd).toArray();
                int[] k = java.util.stream.IntStream.range(j * hd, (j + 1) * hd).toArray();
                assertArrayEquals(q, kv.member(p + "q_proj.weight", Slice.Axis.OUT).indices(j));
                assertArrayEquals(q, kv.member(p + "q_proj.lora_B.weight", Slice.Axis.OUT).indices(j));
                assertArrayEquals(k, kv.member(p + "k_proj.weight", Slice.Axis.OUT).indices(j));
                assertArrayEquals(k, kv.member(p + "v_proj.lora_B.weight", Slice.Axis.OUT).indices(j));
                assertArrayEquals(q, kv.member(p + "o_proj.weight", Slice.Axis.IN).indices(j));
                assertArrayEquals(q, kv.member(p + "o_proj.lora_A.weight", Slice.Axis.IN).indices(j));
            }
            Removal rm = kv.removal(1);
            assertTrue(rm.zero().stream().allMatch(c -> c.role() == Slice.Role.OUT), "rows alone remove a kv group");
            ad.discard();
        }
    }

    @Test void multiHeadAllowsAnything() {
        try (CausalLm m = CausalLm.random(ModelConfig.llama(32, 32, 1, 4, 4, 32, 16, true), 1, DType.F32)) {
            NodeGroup att = DependencyGraph.trace(m).group("layers.0.attention");
            assertTrue(att.shared().isEmpty());
            for (SelectionMode mode : SelectionMode.values()) assertTrue(mode.allows(att, 1));
        }
    }
}
