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
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * LoRA as composed operators with overlapping groups: inserting adapters adds LoRA-A groups and
 * LoRA slices (B rows downstream, A columns upstream) and changes nothing else.
 */
class LoraOverlapTest {
    @Test void stories260kShapeSameStructuresWithAndWithoutAdapters() {
        compare(GraphFixtures.stories260k(), LoraConfig.paperDefaults(4));
    }

    @Test void multiHeadWithEveryTargetSameStructures() {
        compare(ModelConfig.llama(48, 80, 2, 4, 4, 64, 32, false).withBiases(true, true), new LoraConfig(LoraConfig.ALL_TARGETS, 2, 4, 0.1, 5));
    }

    @Test void pythiaSameStructures() {
        compare(GraphFixtures.pythia(2, true), new LoraConfig(List.of("qkv", "dense", "h_to_4h", "4h_to_h"), 4, 8, 0.0, 6));
    }

    private static void compare(ModelConfig c, LoraConfig lora) {
        try (CausalLm m = CausalLm.random(c, 3, DType.F32)) {
            DependencyGraph plain = DependencyGraph.trace(m);
            LoraAdapters ad = LoraAdapters.insert(m, lora);
            ad.setTraining(lora.dropout() > 0);              // dropout in the trace must not couple anything either
            DependencyGraph adapted = DependencyGraph.trace(m);

            Set<String> loraGroups = new TreeSet<>();
            for (NodeGroup g : adapted.groups(GroupKind.LORA_A)) {
                loraGroups.add(g.id());
                assertTrue(!g.prunable() && g.numStructures() == lora.rank(), g.id());
            }
            assertEquals(new TreeSet<>(ad.modules().keySet().stream().map(n -> n + ".lora_A").toList()), loraGroups);
            List<NodeGroup> rest = adapted.groups().stream().filter(g -> g.kind() != GroupKind.LORA_A).toList();
            assertEquals(plain.groups().stream().map(NodeGroup::id).toList(), rest.stream().map(NodeGroup::id).toList());
            for (NodeGroup before : plain.groups()) sameBaseSlices(before, adapted.group(before.id()));
            ad.discard();
        }
    }

    private static void sameBaseSlices(NodeGroup before, NodeGroup after) {
        String at = before.id();
        assertEquals(before.kind(), after.kind(), at);
        assertEquals(before.prunable(), after.prunable(), at);
        assertEquals(before.numStructures(), after.numStructures(), at);
        assertEquals(before.paramsPerStructure(), after.paramsPerStructure(), at);
        assertEquals(before.rowZeroInvariant(), after.rowZeroInvariant(), at);
        List<Slice> base = after.members().stream().filter(s -> !s.isLora()).toList();
        assertSame(at, before.members(), base, before.numStructures());
        assertTrue(before.members().stream().noneMatch(Slice::isLora), at);
        for (Slice s : after.members())
            if (s.isLora()) {
                boolean b = s.param().contains(".lora_B.");
                assertEquals(b ? Slice.Axis.OUT : Slice.Axis.IN, s.axis(), at + " " + s.param() + ": B rows or A columns");
                assertEquals(b ? Slice.Role.OUT : Slice.Role.IN, s.role(), at + " " + s.param());
            }
        assertEquals(before.shared().isPresent(), after.shared().isPresent(), at);
        before.shared().ifPresent(kv -> assertSame(at + " kv", kv.members(),
                after.shared().get().members().stream().filter(s -> !s.isLora()).toList(), kv.count()));
    }

    private static void assertSame(String at, List<Slice> a, List<Slice> b, int structures) {
        assertEquals(a.stream().map(Slice::toString).toList(), b.stream().map(Slice::toString).toList(), at);
        for (int i = 0; i < a.size(); i++)
            for (int s = 0; s < structures; s++) assertArrayEquals(a.get(i).indices(s), b.get(i).indices(s), at + " " + a.get(i));
    }
}
