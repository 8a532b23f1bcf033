package dev.shear.graph;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The channel spaces of a trace and the couplings between their channels. A space is either a
 * tensor's channel axis (see {@link Layout}) or one axis of a parameter. Every channel is an element
 * of a union-find: two channels end up in one set when removing one forces removing the other.
 * A second union-find over whole spaces gives the node groups.
 */
final class ChannelGraph {
    /** Facts about a space that decide a group's kind and prunability. */
    enum Flag { STEM, NORM, ACTIVATION, ATTENTION, OUTPUT, INDEXED, LORA_RANK, OPAQUE }

    static final class Space {
        final int id;
        final int offset;
        final int size;
        final Layout layout;
        final long tensor;          // -1 for parameter axes
        final String param;         // null for tensor spaces
        final int axis;
        final int firstUse;         // op index, for a stable member order
        final EnumSet<Flag> flags = EnumSet.noneOf(Flag.class);
        final Set<String> opaqueOps = new LinkedHashSet<>();
        Slice.Role role;

        Space(int id, int offset, Layout layout, long tensor, String param, int axis, int firstUse) {
            this.id = id;
            this.offset = offset;
            this.size = layout.size();
            this.layout = layout;
            this.tensor = tensor;
            this.param = param;
            this.axis = axis;
            this.firstUse = firstUse;
        }

        boolean isParam() { return param != null; }

        int element(int channel) {
            if (channel < 0 || channel >= size) throw new IllegalStateException("channel " + channel + " outside space of " + size);
            return offset + channel;
        }

        @Override public String toString() { return isParam() ? param + "[axis " + axis + "]" : "t" + tensor; }
    }

    private final Map<Long, TensorInfo> tensors;
    private final List<Space> spaces = new ArrayList<>();
    private final Map<Long, Space> byTensor = new HashMap<>();
    private final Map<String, Space> byParamAxis = new HashMap<>();
    private final UnionFind channels = new UnionFind();
    private final UnionFind spaceSets = new UnionFind();
    private final List<int[]> links = new ArrayList<>();
    private int currentOp;

    private final Map<String, TensorInfo> paramsByName = new HashMap<>();

    ChannelGraph(Map<Long, TensorInfo> tensors) {
        this.tensors = tensors;
        for (TensorInfo t : tensors.values()) if (t.isParam()) paramsByName.putIfAbsent(t.param(), t);
    }

    void atOp(int index) { currentOp = index; }

    TensorInfo info(long id) {
        TensorInfo t = tensors.get(id);
        if (t == null) throw new IllegalStateException("tensor " + id + " was never recorded");
        return t;
    }

    List<Space> spaces() { return spaces; }

    UnionFind channels() { return channels; }

    List<int[]> links() { return links; }

    int groupOf(Space s) { return spaceSets.find(s.id); }

    private Space add(Layout layout, long tensor, String param, int axis) {
        Space s = new Space(spaces.size(), channels.grow(layout.size()), layout, tensor, param, axis, currentOp);
        spaceSets.grow(1);
        spaces.add(s);
        return s;
    }

    /** The output space of an op; the rule chose its layout. */
    Space defineTensor(long id, Layout layout) {
        Space s = byTensor.get(id);
        if (s != null) return s;
        s = add(layout, id, null, -1);
        byTensor.put(id, s);
        return s;
    }

    Space tensor(long id) {
        Space s = byTensor.get(id);
        return s != null ? s : defineTensor(id, Layout.of(info(id), false));   // a leaf: token ids or a constant
    }

    Space tensorOrNull(long id) { return byTensor.get(id); }

    /** One axis of a parameter, as used by the current op: OUT if the op writes channels along it, IN if it reads them. */
    Space param(String name, int axis, Slice.Role use) {
        String key = name + "#" + axis;
        Space s = byParamAxis.get(key);
        if (s == null) {
            TensorInfo t = paramInfo(name);
            s = add(Layout.flat(t.rank() == 0 ? 1 : t.dim(axis)), -1, name, axis);
            byParamAxis.put(key, s);
        }
        if (s.role == null || use == Slice.Role.OUT) s.role = use;
        return s;
    }

    private TensorInfo paramInfo(String name) {
        TensorInfo t = paramsByName.get(name);
        if (t == null) throw new IllegalStateException("no parameter " + name + " in the trace");
        return t;
    }

    long[] paramShape(String name) { return paramInfo(name).shape(); }

    /** The space an op input occupies: a parameter's last axis (elementwise use), or the tensor's channels. */
    Space input(OpNode op, int k) {
        TensorInfo t = info(op.input(k));
        if (t.isParam()) return param(t.param(), Math.max(0, t.rank() - 1), Slice.Role.OUT);
        return tensor(t.id());
    }

    Space output(OpNode op) { return byTensor.get(op.output()); }

    void couple(Space a, int i, Space b, int j) {
        channels.union(a.element(i), b.element(j));
        spaceSets.union(a.id, b.id);
    }

    /** Channel c of a with channel c of b, for every c. */
    void coupleIndexwise(Space a, Space b) {
        if (a.size != b.size) throw new IllegalStateException("coupling spaces of " + a.size + " and " + b.size + " channels");
        for (int c = 0; c < a.size; c++) couple(a, c, b, c);
    }

    /** Channels [from, from+len) of s become one block: removable only together. */
    void coupleBlock(Space s, int from, int len) {
        for (int c = from + 1; c < from + len; c++) couple(s, from, s, c);
    }

    /**
     * Records that the structure holding channel j of b serves the structure holding channel i of a,
     * and becomes removable only when all structures it serves are removed (a GQA kv head).
     */
    void link(Space a, int i, Space b, int j) {
        links.add(new int[] {a.element(i), b.element(j)});
        spaceSets.union(a.id, b.id);
    }

    void flag(Space s, Flag f) { s.flags.add(f); }

    void opaque(Space s, String op) {
        s.flags.add(Flag.OPAQUE);
        s.opaqueOps.add(op);
    }
}
