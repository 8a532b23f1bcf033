package dev.shear.graph;

import java.util.BitSet;

/**
 * Scaled dot-product attention, head mode. Each head is one block (the 1/sqrt(hd) scale and RoPE
 * pairs tie its dimensions). Query head h is coupled to output head h; kv head g couples its k and
 * v. Query head h reads kv head h / n_rep: with n_rep = 1 the two are one structure, otherwise the
 * kv head is linked to its query heads and becomes removable only when all of them are gone.
 */
final class AttentionRule implements OpRule {
    @Override public Layout outputLayout(OpNode op, ChannelGraph g) {
        return Layout.heads(op.intAttr("heads"), op.intAttr("head_dim"));
    }

    @Override public void couple(OpNode op, ChannelGraph g) {
        ChannelGraph.Space q = g.input(op, 0), k = g.input(op, 1), v = g.input(op, 2), out = g.output(op);
        int heads = op.intAttr("heads"), kvHeads = op.intAttr("kv_heads"), hd = op.intAttr("head_dim");
        int rep = heads / kvHeads;
        for (int h = 0; h < heads; h++) {
            g.coupleBlock(q, h * hd, hd);
            g.coupleBlock(out, h * hd, hd);
            g.couple(q, h * hd, out, h * hd);
        }
        for (int j = 0; j < kvHeads; j++) {
            g.coupleBlock(k, j * hd, hd);
            g.coupleBlock(v, j * hd, hd);
            g.couple(k, j * hd, v, j * hd);
        }
        for (int h = 0; h < heads; h++) {
            if (rep == 1) g.couple(q, h * hd, k, h * hd);
            else g.link(q, h * hd, k, (h / rep) * hd);
        }
        for (ChannelGraph.Space s : new ChannelGraph.Space[] {q, k, v, out}) g.flag(s, ChannelGraph.Flag.ATTENTION);
    }

    /** Output (h, i) is a convex mix of v (h / n_rep, i): zero exactly when that v channel is. q and k only set the weights. */
    @Override public BitSet zeros(OpNode op, ZeroState z) {
        int heads = op.intAttr("heads"), kvHeads = op.intAttr("kv_heads"), hd = op.intAttr("head_dim");
        int rep = heads / kvHeads;
        BitSet v = z.input(op, 2), r = new BitSet();
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < hd; i++) if (v.get((h / rep) * hd + i)) r.set(h * hd + i);
        return r;
    }
}
