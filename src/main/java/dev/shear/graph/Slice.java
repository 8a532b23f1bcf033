package dev.shear.graph;

import java.util.Arrays;

/**
 * The part of one parameter a node group owns: along one axis, the indices that belong to each
 * structure. For a head this is hd rows of q_proj.weight; for an MLP channel one column of down_proj.
 */
public final class Slice {
    /** Which axis of the parameter is sliced. */
    public enum Axis {
        /** Rows: axis 0 (output features of a linear; the only axis of a bias or norm weight). */
        OUT,
        /** Columns: axis 1 (input features of a linear, the hidden columns of an embedding). */
        IN;

        public int index() { return this == OUT ? 0 : 1; }
    }

    /** What the slice does for the group's channels. */
    public enum Role {
        /** Writes the channels (W and lora_B rows, biases): zeroing these zeroes the structure. */
        OUT,
        /** Reads the channels (next W and lora_A columns): cut in the second pass. */
        IN,
        /** Inside a LoRA rank space: never pruned. */
        NO_PRUNE
    }

    private final String param;
    private final Axis axis;
    private final Role role;
    private final long[] shape;
    private final int[][] indices;

    Slice(String param, Axis axis, Role role, long[] shape, int[][] indices) {
        this.param = param;
        this.axis = axis;
        this.role = role;
        this.shape = shape.clone();
        this.indices = indices;
    }

    public String param() { return param; }

    public Axis axis() { return axis; }

    public Role role() { return role; }

    /** The full parameter's shape. */
    public long[] shape() { return shape.clone(); }

    public boolean isLora() { return param.contains(".lora_A.") || param.contains(".lora_B."); }

    public int numStructures() { return indices.length; }

    /** Indices along {@link #axis()} per structure (the same for every structure of a regular group). */
    public int perStructure() { return indices.length == 0 ? 0 : indices[0].length; }

    /** Rows or columns of one structure, ascending. */
    public int[] indices(int structure) { return indices[structure].clone(); }

    /** Rows or columns of several structures, ascending. */
    public int[] indices(int... structures) {
        int n = 0;
        for (int s : structures) n += indices[s].length;
        int[] all = new int[n];
        int at = 0;
        for (int s : structures) {
            System.arraycopy(indices[s], 0, all, at, indices[s].length);
            at += indices[s].length;
        }
        Arrays.sort(all);
        return all;
    }

    /** Parameter entries behind one index: the length of the other axis (1 for a vector). */
    public long paramsPerIndex() {
        long n = 1;
        for (long d : shape) n *= d;
        return n / shape[axis.index()];
    }

    public long paramsPerStructure() { return perStructure() * paramsPerIndex(); }

    /** The same parameter axis with new structures: structure j gets indicesOf(j). */
    Slice regrouped(java.util.function.IntFunction<int[]> indicesOf, int count) {
        int[][] idx = new int[count][];
        for (int j = 0; j < count; j++) idx[j] = indicesOf.apply(j);
        return new Slice(param, axis, role, shape, idx);
    }

    Cut cut(int... structures) { return new Cut(param, axis, role, indices(structures), null); }

    @Override public String toString() {
        return param + " " + axis.name().toLowerCase() + " " + role.name().toLowerCase() + " x" + perStructure();
    }
}
