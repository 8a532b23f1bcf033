package dev.shear.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules on hand-built traces: what a new architecture gets for free, and what an unknown op costs. */
class OpRulesTest {
    /** x (1, 2, 4) → linear W1 (6, 4) → op → linear W2 (4, 6) → output. */
    private static DependencyGraph mlp(String middle) {
        Map<Long, TensorInfo> t = new LinkedHashMap<>();
        t.put(1L, new TensorInfo(1, new long[] {1, 2, 4}, null, -1));
        t.put(2L, new TensorInfo(2, new long[] {6, 4}, "w1", -1));
        t.put(3L, new TensorInfo(3, new long[] {1, 2, 6}, null, 0));
        t.put(4L, new TensorInfo(4, new long[] {1, 2, 6}, null, 1));
        t.put(5L, new TensorInfo(5, new long[] {4, 6}, "w2", -1));
        t.put(6L, new TensorInfo(6, new long[] {1, 2, 4}, null, 2));
        List<OpNode> ops = new ArrayList<>();
        ops.add(new OpNode(0, "linear", List.of(1L, 2L), 3, Map.of()));
        ops.add(new OpNode(1, middle, List.of(3L), 4, Map.of()));
        ops.add(new OpNode(2, "linear", List.of(4L, 5L), 6, Map.of()));
        Map<String, dev.shear.engine.Tensor> params = new LinkedHashMap<>();
        params.put("w1", null);
        params.put("w2", null);
        return DependencyGraph.fromTrace(ops, t, params, 6, GraphOptions.defaults());
    }

    @Test void knownActivationGivesPrunableChannels() {
        NodeGroup g = mlp("gelu").groups().stream().filter(x -> x.kind() == GroupKind.MLP).findFirst().orElseThrow();
        assertTrue(g.prunable(), g.reasons().toString());
        assertEquals(6, g.numStructures());
        assertTrue(g.rowZeroInvariant());
        assertEquals(4 + 4, g.paramsPerStructure());
    }

    @Test void unknownOpCouplesEverythingAndBlocksPruning() {
        DependencyGraph d = mlp("fancy_new_op");
        NodeGroup g = d.groups().stream().filter(x -> x.members().stream().anyMatch(s -> s.param().equals("w1") && s.axis() == Slice.Axis.OUT))
                .findFirst().orElseThrow();
        assertFalse(g.prunable());
        assertEquals(1, g.numStructures());
        assertTrue(g.reasons().stream().anyMatch(r -> r.contains("fancy_new_op")), g.reasons().toString());
    }

    @Test void nonZeroPreservingActivationIsPrunableButNotRowInvariant() {
        NodeGroup g = mlp("sigmoid").groups().stream().filter(x -> x.members().stream().anyMatch(s -> s.param().equals("w1") && s.axis() == Slice.Axis.OUT))
                .findFirst().orElseThrow();
        assertFalse(g.rowZeroInvariant(), "sigmoid(0) = 1/2: zero rows leave the channel alive");
        assertEquals(2, g.removal(0).zero().size(), "so removal zeroes the reading columns too");
    }
}
