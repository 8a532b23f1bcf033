package dev.shear.graph;

import java.util.Arrays;
import java.util.Objects;

/**
 * Concrete rows or columns of one parameter: what is zeroed, scored or sliced away for a chosen set
 * of structures. The graph, saliency, LHSPG's projections and compaction all read this one type.
 *
 * @param param   parameter name (a base weight or bias, or a LoRA factor)
 * @param axis    OUT: rows (output features of a linear, a bias); IN: columns (input features)
 * @param role    what the slice does for the group's channels: writes them (OUT) or reads them (IN)
 * @param indices the rows or columns, ascending
 * @param lora    the LoRA factor that carries the same slice of a base weight, {@code lora_B} rows for
 *                a row cut and {@code lora_A} columns for a column cut; null without an adapter
 */
public record Cut(String param, Slice.Axis axis, Slice.Role role, int[] indices, String lora) {
    public Cut {
        Objects.requireNonNull(param, "param");
        Objects.requireNonNull(axis, "axis");
        indices = indices.clone();
    }

    @Override public int[] indices() { return indices.clone(); }

    public int size() { return indices.length; }

    /** True for input columns (o_proj, down_proj), false for output rows and biases. */
    public boolean columns() { return axis == Slice.Axis.IN; }

    public boolean isLora() { return param.contains(".lora_A.") || param.contains(".lora_B."); }

    /** The same cut with the adapter factor that carries it. */
    public Cut withLora(String factor) { return new Cut(param, axis, role, indices, factor); }

    @Override public boolean equals(Object o) {
        return o instanceof Cut c && param.equals(c.param) && axis == c.axis && role == c.role && Arrays.equals(indices, c.indices)
                && Objects.equals(lora, c.lora);
    }

    @Override public int hashCode() { return param.hashCode() * 31 + Arrays.hashCode(indices); }

    @Override public String toString() {
        return param + " " + axis.name().toLowerCase() + " " + role.name().toLowerCase() + " " + Arrays.toString(indices)
                + (lora == null ? "" : " (lora " + lora + ")");
    }
}
