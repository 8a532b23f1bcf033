package dev.shear.graph;

import java.util.List;

/**
 * One minimally removable structure: a KV group (or head) or an MLP channel.
 *
 * @param zeroed    slices that pruning drives to exactly zero (q/k/v or gate/up rows, their biases)
 * @param dependent slices that become dead once the zeroed ones are zero and are cut when compacting
 *                  (o_proj / down_proj columns); never decayed
 * @param params    base parameters removed with this structure (zeroed + dependent)
 */
public record Structure(int index, List<Cut> zeroed, List<Cut> dependent, long params) {
    public Structure {
        zeroed = List.copyOf(zeroed);
        dependent = List.copyOf(dependent);
    }
}
