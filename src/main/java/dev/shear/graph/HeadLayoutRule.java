package dev.shear.graph;

import java.util.BitSet;

/**
 * Head reshapes as index maps between a flat channel axis and (head, dim) channels:
 * split_heads and merge_heads keep channel h*hd + i; split_fused_heads takes part p of a fused
 * projection laid out per head as [q, k, v], i.e. flat channel h*parts*hd + p*hd + i.
 */
final class HeadLayoutRule implements OpRule {
    enum Kind { SPLIT, SPLIT_FUSED, MERGE }

    private final Kind kind;

    HeadLayoutRule(Kind kind) { this.kind = kind; }

    @Override public Layout outputLayout(OpNode op, ChannelGraph g) {
        TensorInfo out = g.info(op.output());
        return kind == Kind.MERGE ? Layout.flat(out.dim(-1)) : Layout.heads(op.intAttr("heads"), op.intAttr("head_dim"));
    }

    /** Flat input channel feeding output channel c. */
    private int source(OpNode op, int c) {
        if (kind != Kind.SPLIT_FUSED) return c;
        int hd = op.intAttr("head_dim"), parts = op.intAttr("parts"), part = op.intAttr("part");
        return (c / hd) * parts * hd + part * hd + c % hd;
    }

    @Override public void couple(OpNode op, ChannelGraph g) {
        ChannelGraph.Space in = g.input(op, 0), out = g.output(op);
        for (int c = 0; c < out.size; c++) g.couple(in, source(op, c), out, c);
    }

    @Override public BitSet zeros(OpNode op, ZeroState z) {
        BitSet in = z.input(op, 0), r = new BitSet();
        for (int c = 0; c < z.outputSize(op); c++) if (in.get(source(op, c))) r.set(c);
        return r;
    }
}
