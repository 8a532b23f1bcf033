package dev.shear.graph;

import java.util.BitSet;

/**
 * rms_norm(x, w) and layer_norm(x, w, b) act per channel after a statistic over all channels. They
 * couple x, w, b and the output channel by channel and flag the space as normalised: removing a
 * channel changes the statistic, so the group is unprunable unless asked otherwise. An rms_norm
 * with {@code unit_offset} scales by (1 + w), as Gemma's norms do (also after attention and the MLP).
 */
final class NormRule implements OpRule {
    private final boolean centred;

    /** @param centred true for layer_norm, whose bias keeps a zero input channel non-zero */
    NormRule(boolean centred) { this.centred = centred; }

    @Override public void couple(OpNode op, ChannelGraph g) {
        ChannelGraph.Space out = g.output(op);
        for (int k = 0; k < op.inputs().size(); k++) {
            ChannelGraph.Space in = g.input(op, k);
            if (in.size == out.size) g.coupleIndexwise(in, out);
            else OpaqueRule.coupleEverything(op, g);
        }
        g.flag(out, ChannelGraph.Flag.NORM);
    }

    @Override public BitSet zeros(OpNode op, ZeroState z) {
        if (centred) {                                              // (x - mean) w + b: zero only where w and b are
            BitSet r = (BitSet) z.broadcast(op, 1).clone();
            if (op.inputs().size() > 2) r.and(z.broadcast(op, 2));
            return r;
        }
        BitSet r = (BitSet) z.broadcast(op, 0).clone();            // x rsqrt(mean x^2) w
        if (!op.boolAttr("unit_offset")) r.or(z.broadcast(op, 1)); // x rsqrt(mean x^2) (1 + w) is zero only where x is
        return r;
    }
}
