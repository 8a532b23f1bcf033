package dev.shear.graph;

import java.util.BitSet;

/**
 * What one op kind does to channels: which output layout it makes, which channels it couples
 * (removing one forces removing the other), and which output channels are exactly zero given which
 * input channels are. The last one checks zero-invariance of the groups found by the first two.
 */
sealed interface OpRule permits ElementwiseRule, LinearRule, EmbeddingRule, NormRule, HeadNormRule, HeadLayoutRule,
        RopeRule, AttentionRule, ChannelSliceRule, OpaqueRule {

    default Layout outputLayout(OpNode op, ChannelGraph g) { return Layout.of(g.info(op.output()), false); }

    void couple(OpNode op, ChannelGraph g);

    BitSet zeros(OpNode op, ZeroState z);
}
