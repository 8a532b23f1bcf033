package dev.shear.graph;

import java.util.Arrays;

/**
 * A tensor seen by the trace: an edge of the op graph.
 *
 * @param id       engine tensor id
 * @param shape    shape when recorded
 * @param param    parameter name, or null for activations and model inputs
 * @param producer index of the op that made it, or -1 for leaves (parameters, token ids)
 */
public record TensorInfo(long id, long[] shape, String param, int producer) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override public long[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public long dim(int axis) { return shape[axis < 0 ? shape.length + axis : axis]; }

    public boolean isParam() { return param != null; }

    @Override public String toString() { return (param == null ? "t" + id : param) + Arrays.toString(shape); }
}
