package dev.shear.graph;

import java.util.BitSet;

/**
 * Elementwise ops couple channel c of every operand with channel c of the result (DepGraph's
 * "same-shape" rule). An operand broadcast along the channels (one channel) couples nothing.
 */
final class ElementwiseRule implements OpRule {
    /** How a zero input channel shows in the output. */
    enum Zero {
        /** f(0) = 0: silu, gelu, scale, neg, ... */
        PRESERVED,
        /** f(0) != 0: exp, sigmoid, add_scalar, ... */
        LOST,
        /** a + b, a - b: zero when both are. */
        ALL,
        /** a * b: zero when either is. */
        ANY,
        /** a / b: zero when the numerator is. */
        FIRST
    }

    private final Zero zero;

    ElementwiseRule(Zero zero) { this.zero = zero; }

    @Override public Layout outputLayout(OpNode op, ChannelGraph g) {
        TensorInfo out = g.info(op.output());
        for (long id : op.inputs()) {
            ChannelGraph.Space s = g.tensorOrNull(id);
            if (s != null && s.layout.isHeads() && out.rank() == 4) return s.layout;   // (B, H, T, hd) stays per head
        }
        return Layout.of(out, false);
    }

    @Override public void couple(OpNode op, ChannelGraph g) {
        ChannelGraph.Space out = g.output(op);
        for (int k = 0; k < op.inputs().size(); k++) {
            ChannelGraph.Space in = g.input(op, k);
            if (in.size == out.size) g.coupleIndexwise(in, out);
            else if (in.size != 1) OpaqueRule.coupleEverything(op, g);
        }
        if (op.kind().equals("silu") || op.kind().equals("gelu") || op.kind().equals("gelu_tanh")) g.flag(out, ChannelGraph.Flag.ACTIVATION);
    }

    @Override public BitSet zeros(OpNode op, ZeroState z) {
        int n = op.inputs().size();
        return switch (zero) {
            case PRESERVED -> z.broadcast(op, 0);
            case LOST -> new BitSet();
            case FIRST -> z.broadcast(op, 0);
            case ANY -> {
                BitSet r = new BitSet();
                for (int k = 0; k < n; k++) r.or(z.broadcast(op, k));
                yield r;
            }
            case ALL -> {
                BitSet r = z.broadcast(op, 0);
                for (int k = 1; k < n; k++) r.and(z.broadcast(op, k));
                yield r;
            }
        };
    }
}
