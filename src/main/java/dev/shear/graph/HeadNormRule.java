package dev.shear.graph;

import java.util.BitSet;

/**
 * head_rms_norm(x, w): an RMSNorm over each head's dimensions of a (B, H, T, hd) tensor, with one
 * (hd) weight shared by every head (Qwen3's and Gemma 3's q_norm and k_norm). Channels pass through
 * one to one, and a head's dimensions become one block (its statistic couples them). The weight is
 * left out of every group: removing a head removes none of it, and a head size is never pruned.
 */
final class HeadNormRule implements OpRule {
    @Override public Layout outputLayout(OpNode op, ChannelGraph g) { return g.tensor(op.input(0)).layout; }

    @Override public void couple(OpNode op, ChannelGraph g) {
        ChannelGraph.Space in = g.input(op, 0), out = g.output(op);
        if (!in.layout.isHeads() || in.size != out.size) {
            OpaqueRule.coupleEverything(op, g);
            return;
        }
        int hd = in.layout.headDim();
        for (int c = 0; c < in.size; c++) g.couple(in, c, out, c);
        for (int h = 0; h < in.layout.heads(); h++) g.coupleBlock(in, h * hd, hd);
    }

    /** x * rsqrt(mean over the head + eps) * w (or * (1 + w)): zero wherever x is. */
    @Override public BitSet zeros(OpNode op, ZeroState z) { return z.input(op, 0); }
}
