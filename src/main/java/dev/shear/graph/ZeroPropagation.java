package dev.shear.graph;

import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the trace symbolically: given parameter slices set to zero, which channels of every tensor
 * are then exactly zero. A structure is zero-invariant when its consumers then read only zeros
 * (OTOv2's zero-invariant groups, checked on the graph rather than assumed).
 */
final class ZeroPropagation {
    private final List<OpNode> ops;
    private final ChannelGraph graph;

    ZeroPropagation(List<OpNode> ops, ChannelGraph graph) {
        this.ops = ops;
        this.graph = graph;
    }

    /** True if, with {@code zeroed} set to zero, every linear reading a {@code consumed} column reads zeros there. */
    boolean consumersReadZeros(List<Cut> zeroed, List<Cut> consumed) {
        ZeroState z = run(zeroed);
        for (Cut c : consumed) {
            if (c.axis() != Slice.Axis.IN) continue;
            for (OpNode op : ops) {
                if (!op.kind().equals("linear") || !c.param().equals(graph.info(op.input(1)).param())) continue;
                BitSet x = z.tensor(op.input(0));
                for (int i : c.indices()) if (!x.get(i)) return false;
            }
        }
        return true;
    }

    ZeroState run(List<Cut> zeroed) {
        Map<String, BitSet> params = new HashMap<>();
        for (Cut c : zeroed) {
            BitSet b = params.computeIfAbsent(ZeroState.key(c.param(), c.axis().index()), k -> new BitSet());
            for (int i : c.indices()) b.set(i);
        }
        ZeroState z = new ZeroState(graph, params);
        for (OpNode op : ops) z.set(op.output(), OpRules.of(op.kind()).zeros(op, z));
        return z;
    }

    /** Fills in a group's zero-invariance flags, checked on a representative structure (0). */
    NodeGroup check(NodeGroup g) {
        if (g.numStructures() == 0 || g.kind() == GroupKind.LORA_A) return g;
        boolean rows = consumersReadZeros(g.cuts(Slice.Role.OUT, 0), g.cuts(Slice.Role.IN, 0));
        boolean sharedRows = false;
        if (g.shared().isPresent()) {
            SharedStructures kv = g.shared().get();
            int[] users = kv.usersOf(0);
            List<Cut> zero = new java.util.ArrayList<>(g.cuts(Slice.Role.OUT, users));
            for (Slice m : kv.members(Slice.Role.OUT)) zero.add(m.cut(0));
            sharedRows = consumersReadZeros(zero, g.cuts(Slice.Role.IN, users));
        }
        return g.withInvariance(rows, sharedRows);
    }
}
