package dev.shear.graph;

import java.util.Arrays;

/**
 * Concrete rows or columns of one parameter: what to zero, score or slice away for a chosen set of
 * structures.
 */
public record Cut(String param, Slice.Axis axis, Slice.Role role, int[] indices) {
    public Cut {
        indices = indices.clone();
    }

    @Override public int[] indices() { return indices.clone(); }

    public int size() { return indices.length; }

    public boolean isLora() { return param.contains(".lora_A.") || param.contains(".lora_B."); }

    @Override public boolean equals(Object o) {
        return o instanceof Cut c && param.equals(c.param) && axis == c.axis && role == c.role && Arrays.equals(indices, c.indices);
    }

    @Override public int hashCode() { return param.hashCode() * 31 + Arrays.hashCode(indices); }

    @Override public String toString() {
        return param + " " + axis.name().toLowerCase() + " " + role.name().toLowerCase() + " " + Arrays.toString(indices);
    }
}
