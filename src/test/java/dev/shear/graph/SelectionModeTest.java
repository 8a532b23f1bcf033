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

    @Test void multiHeadAllowsAnything() {
        try (CausalLm m = CausalLm.random(ModelConfig.llama(32, 32, 1, 4, 4, 32, 16, true), 1, DType.F32)) {
            NodeGroup att = DependencyGraph.trace(m).group("layers.0.attention");
            assertTrue(att.shared().isEmpty());
            for (SelectionMode mode : SelectionMode.values()) assertTrue(mode.allows(att, 1));
        }
    }
}
