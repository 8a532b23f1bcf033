package dev.shear.graph;

/**
 * Which sets of query heads may be removed together in a GQA attention group. A layer stays
 * expressible as (heads, kv heads) only if every kv group keeps 0 or the same number of query heads.
 */
public enum SelectionMode {
    /** Any query heads; exact by zeroing o_proj columns where the kv head stays, but maybe not expressible. */
    FREE,
    /** Whole kv groups: n_rep query heads plus their kv head. */
    KV_GROUP,
    /** The same number of query heads from every kv group of the layer. */
    UNIFORM_PER_GROUP;

    /** True if removing these structures of the group is allowed in this mode. Groups without shared structures allow anything. */
    public boolean allows(NodeGroup group, int... removed) {
        if (group.shared().isEmpty() || this == FREE) return true;
        int[] perGroup = removedPerKvGroup(group, removed);
        SharedStructures kv = group.shared().get();
        for (int j = 0; j < perGroup.length; j++) {
            int users = kv.usersOf(j).length;
            if (this == KV_GROUP && perGroup[j] != 0 && perGroup[j] != users) return false;
            if (this == UNIFORM_PER_GROUP && perGroup[j] != perGroup[0]) return false;
        }
        return true;
    }

    /** True if the kept layer has a whole number of query heads per kept kv head. */
    public static boolean expressible(NodeGroup group, int... removed) {
        if (group.shared().isEmpty()) return true;
        SharedStructures kv = group.shared().get();
        int[] perGroup = removedPerKvGroup(group, removed);
        int kept = -1;
        for (int j = 0; j < perGroup.length; j++) {
            int left = kv.usersOf(j).length - perGroup[j];
            if (left == 0) continue;
            if (kept >= 0 && left != kept) return false;
            kept = left;
        }
        return true;
    }

    /** Query heads forming whole kv groups. */
    public static int[] kvGroups(NodeGroup group, int... kvHeads) {
        SharedStructures kv = group.shared().orElseThrow(() -> new IllegalArgumentException(group.id() + " has no kv heads"));
        return java.util.Arrays.stream(kvHeads).flatMap(j -> java.util.Arrays.stream(kv.usersOf(j))).sorted().toArray();
    }

    private static int[] removedPerKvGroup(NodeGroup group, int[] removed) {
        SharedStructures kv = group.shared().get();
        int[] n = new int[kv.count()];
        for (int s : removed) n[kv.ownerOf(s)]++;
        return n;
    }
}
