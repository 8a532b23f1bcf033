package dev.shear.graph;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Which channels are exactly zero, per tensor and per parameter axis, during a zero propagation.
 * A parameter axis index is zero when its whole row (axis 0) or column (axis 1) is zero.
 */
final class ZeroState {
    private final ChannelGraph graph;
    private final Map<String, BitSet> params;
    private final Map<Long, BitSet> tensors = new HashMap<>();

    ZeroState(ChannelGraph graph, Map<String, BitSet> params) {
        this.graph = graph;
        this.params = params;
    }

    ChannelGraph graph() { return graph; }

    static String key(String param, int axis) { return param + "#" + axis; }

    /** A fresh copy: rules may modify what they get. */
    BitSet param(String name, int axis) { return (BitSet) params.getOrDefault(key(name, axis), new BitSet()).clone(); }

    /** Zero channels of an op input; a parameter used elementwise is read along its last axis. */
    BitSet input(OpNode op, int k) {
        TensorInfo t = graph.info(op.input(k));
        if (t.isParam()) return param(t.param(), Math.max(0, t.rank() - 1));
        return tensor(t.id());
    }

    int inputSize(OpNode op, int k) {
        TensorInfo t = graph.info(op.input(k));
        if (t.isParam()) return t.rank() == 0 ? 1 : (int) t.dim(-1);
        ChannelGraph.Space s = graph.tensorOrNull(t.id());
        return s == null ? Layout.of(t, false).size() : s.size;
    }

    int outputSize(OpNode op) { return graph.output(op).size; }

    boolean isParam(OpNode op, int k) { return graph.info(op.input(k)).isParam(); }

    String paramName(OpNode op, int k) { return graph.info(op.input(k)).param(); }

    void set(long tensor, BitSet zeros) { tensors.put(tensor, zeros); }

    BitSet tensor(long id) { return (BitSet) tensors.getOrDefault(id, new BitSet()).clone(); }

    /** Zeros of input k seen at the output's width: itself, all-or-nothing when broadcast from one channel, else none. */
    BitSet broadcast(OpNode op, int k) {
        int size = inputSize(op, k), out = outputSize(op);
        BitSet z = input(op, k);
        if (size == out) return z;
        BitSet r = new BitSet();
        if (size == 1 && z.get(0)) r.set(0, out);
        return r;
    }
}
