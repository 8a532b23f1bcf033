package dev.shear.graph;

import java.util.BitSet;

/**
 * Row lookup: the table's columns become the output channels (a stem). Its rows are indexed by the
 * token ids, a space no structure can leave.
 */
final class EmbeddingRule implements OpRule {
    @Override public void couple(OpNode op, ChannelGraph g) {
        TensorInfo table = g.info(op.input(0));
        if (!table.isParam()) {
            OpaqueRule.coupleEverything(op, g);
            return;
        }
        ChannelGraph.Space out = g.output(op);
        g.coupleIndexwise(out, g.param(table.param(), 1, Slice.Role.OUT));
        g.flag(g.param(table.param(), 0, Slice.Role.IN), ChannelGraph.Flag.INDEXED);
        g.flag(out, ChannelGraph.Flag.STEM);
    }

    @Override public BitSet zeros(OpNode op, ZeroState z) {
        return z.isParam(op, 0) ? (BitSet) z.param(z.paramName(op, 0), 1).clone() : new BitSet();
    }
}
