package dev.shear.graph;

import java.util.BitSet;

/**
 * Rotary embedding mixes each rotating dimension of a head with its partner (i and i + rd/2 for
 * rotate_half, 2j and 2j+1 for the adjacent layout); dimensions past rotary_dim pass through.
 */
final class RopeRule implements OpRule {
    @Override public Layout outputLayout(OpNode op, ChannelGraph g) { return g.tensor(op.input(0)).layout; }

    private static int partner(OpNode op, int i) {
        int rd = op.intAttr("rotary_dim");
        if (i >= rd) return i;
        if (op.boolAttr("adjacent")) return i ^ 1;
        return i < rd / 2 ? i + rd / 2 : i - rd / 2;
    }

    @Override public void couple(OpNode op, ChannelGraph g) {
        ChannelGraph.Space in = g.input(op, 0), out = g.output(op);
        if (!in.layout.isHeads()) {
            OpaqueRule.coupleEverything(op, g);
            return;
        }
        int hd = in.layout.headDim();
        for (int c = 0; c < in.size; c++) {
            g.couple(in, c, out, c);
            g.couple(in, c, in, c - c % hd + partner(op, c % hd));
        }
    }

    @Override public BitSet zeros(OpNode op, ZeroState z) {
        BitSet in = z.input(op, 0), r = new BitSet();
        int hd = z.graph().tensor(op.input(0)).layout.headDim();
        if (hd == 0) return r;
        for (int c = 0; c < z.outputSize(op); c++) if (in.get(c) && in.get(c - c % hd + partner(op, c % hd))) r.set(c);
        return r;
    }
}
