package dev.shear.graph;

import java.util.BitSet;
import java.util.List;

/**
 * narrow and concat. Along the channel axis they are index maps (an offset); along any other axis
 * every operand keeps its channels. Only flat layouts are mapped; anything else is opaque.
 */
final class ChannelSliceRule implements OpRule {
    private final boolean concat;

    ChannelSliceRule(boolean concat) { this.concat = concat; }

    private static boolean alongChannels(OpNode op, TensorInfo out) {
        int axis = op.intAttr("axis");
        return axis == -1 || axis == out.rank() - 1;
    }

    /** Offset of input k's channels in the output (concat) or of the output in the input (narrow). */
    private int[] offsets(OpNode op, ChannelGraph g) {
        boolean along = alongChannels(op, g.info(op.output()));
        int[] off = new int[op.inputs().size()];
        if (!along) return off;
        if (!concat) {
            off[0] = Math.toIntExact(((Number) op.attrs().get("start")).longValue());
            return off;
        }
        int at = 0;
        for (int k = 0; k < off.length; k++) {
            off[k] = at;
            at += (int) g.info(op.input(k)).dim(-1);
        }
        return off;
    }

    private static boolean flat(OpNode op, ChannelGraph g) {
        for (long id : op.inputs()) {
            ChannelGraph.Space s = g.tensorOrNull(id);
            if (s != null && s.layout.isHeads()) return false;
        }
        return true;
    }

    @Override public void couple(OpNode op, ChannelGraph g) {
        if (!flat(op, g)) {
            OpaqueRule.coupleEverything(op, g);
            return;
        }
        ChannelGraph.Space out = g.output(op);
        int[] off = offsets(op, g);
        boolean along = alongChannels(op, g.info(op.output()));
        List<Long> ins = op.inputs();
        for (int k = 0; k < ins.size(); k++) {
            ChannelGraph.Space in = g.input(op, k);
            if (!along) {
                if (in.size == out.size) g.coupleIndexwise(in, out);
                else if (in.size != 1) OpaqueRule.coupleEverything(op, g);
            } else if (concat) {
                for (int c = 0; c < in.size; c++) g.couple(in, c, out, off[k] + c);
            } else {
                for (int c = 0; c < out.size; c++) g.couple(in, off[0] + c, out, c);
            }
        }
    }

    @Override public BitSet zeros(OpNode op, ZeroState z) {
        BitSet r = new BitSet();
        ChannelGraph g = z.graph();
        if (!flat(op, g)) return r;
        boolean along = alongChannels(op, g.info(op.output()));
        int[] off = offsets(op, g);
        if (!along) {
            r = z.broadcast(op, 0);
            for (int k = 1; k < op.inputs().size(); k++) r.and(z.broadcast(op, k));
            return r;
        }
        if (concat) {
            for (int k = 0; k < op.inputs().size(); k++) {
                BitSet in = z.input(op, k);
                for (int c = in.nextSetBit(0); c >= 0; c = in.nextSetBit(c + 1)) r.set(off[k] + c);
            }
            return r;
        }
        BitSet in = z.input(op, 0);
        for (int c = 0; c < z.outputSize(op); c++) if (in.get(off[0] + c)) r.set(c);
        return r;
    }
}
