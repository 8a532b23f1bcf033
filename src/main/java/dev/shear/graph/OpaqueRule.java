package dev.shear.graph;

import java.util.BitSet;

/**
 * An op with no channel rule: every channel of every operand and of the result is coupled into one
 * block and the group is flagged, so nothing behind an unknown op is ever cut. Safe, never clever.
 */
final class OpaqueRule implements OpRule {
    @Override public void couple(OpNode op, ChannelGraph g) { coupleEverything(op, g); }

    static void coupleEverything(OpNode op, ChannelGraph g) {
        ChannelGraph.Space out = g.output(op);
        g.coupleBlock(out, 0, out.size);
        g.opaque(out, op.kind());
        for (int k = 0; k < op.inputs().size(); k++) {
            ChannelGraph.Space in = g.input(op, k);
            g.coupleBlock(in, 0, in.size);
            g.couple(in, 0, out, 0);
            g.opaque(in, op.kind());
        }
    }

    @Override public BitSet zeros(OpNode op, ZeroState z) { return new BitSet(); }
}
