package dev.shear.graph;

import java.util.BitSet;

/**
 * y = x W^T + b: the stem op. W's columns consume x's channels; W's rows (and b) start a new channel
 * space, so nothing couples across it. The rank space of a LoRA A matrix is marked, since it must
 * stay its own, unprunable group.
 */
final class LinearRule implements OpRule {
    static final String LORA_A = ".lora_A.weight";

    @Override public void couple(OpNode op, ChannelGraph g) {
        TensorInfo w = g.info(op.input(1));
        if (!w.isParam() || w.rank() != 2) {        // a product of two activations has no fixed channel map
            OpaqueRule.coupleEverything(op, g);
            return;
        }
        ChannelGraph.Space out = g.output(op);
        g.coupleIndexwise(g.tensor(op.input(0)), g.param(w.param(), 1, Slice.Role.IN));
        g.coupleIndexwise(out, g.param(w.param(), 0, Slice.Role.OUT));
        if (op.inputs().size() > 2) g.coupleIndexwise(out, g.input(op, 2));
        g.flag(out, ChannelGraph.Flag.STEM);
        if (w.param().endsWith(LORA_A)) g.flag(out, ChannelGraph.Flag.LORA_RANK);
    }

    /** Row j is zero when its bias is (or there is none) and either W's row j is zero or every term W[j,c] x[c] is. */
    @Override public BitSet zeros(OpNode op, ZeroState z) {
        if (!z.isParam(op, 1)) return new BitSet();
        String w = z.paramName(op, 1);
        int out = z.outputSize(op), in = z.inputSize(op, 0);
        BitSet deadInputs = (BitSet) z.input(op, 0).clone();
        deadInputs.or(z.param(w, 1));
        BitSet r = deadInputs.cardinality() == in ? allOf(out) : (BitSet) z.param(w, 0).clone();
        if (op.inputs().size() > 2) r.and(z.input(op, 2));
        return r;
    }

    static BitSet allOf(int n) {
        BitSet b = new BitSet();
        b.set(0, n);
        return b;
    }
}
