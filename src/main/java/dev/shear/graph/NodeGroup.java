package dev.shear.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A node group: channels coupled through the traced ops, split into minimally removable structures
 * (one head, one MLP channel). Each member {@link Slice} says which rows or columns of which
 * parameter belong to each structure. Scoring, zeroing and slicing happen elsewhere, from these.
 */
public final class NodeGroup {
    private final String id;
    private final GroupKind kind;
    private final int layer;
    private final List<String> reasons;
    private final int numStructures;
    private final List<Slice> members;
    private final SharedStructures shared;
    private final boolean rowZeroInvariant;
    private final boolean sharedZeroInvariant;

    NodeGroup(String id, GroupKind kind, int layer, List<String> reasons, int numStructures, List<Slice> members,
              SharedStructures shared, boolean rowZeroInvariant, boolean sharedZeroInvariant) {
        this.id = id;
        this.kind = kind;
        this.layer = layer;
        this.reasons = List.copyOf(reasons);
        this.numStructures = numStructures;
        this.members = List.copyOf(members);
        this.shared = shared;
        this.rowZeroInvariant = rowZeroInvariant;
        this.sharedZeroInvariant = sharedZeroInvariant;
    }

    NodeGroup withInvariance(boolean rows, boolean sharedRows) {
        return new NodeGroup(id, kind, layer, reasons, numStructures, members, shared, rows, sharedRows);
    }

    NodeGroup withId(String newId) {
        return new NodeGroup(newId, kind, layer, reasons, numStructures, members, shared, rowZeroInvariant, sharedZeroInvariant);
    }

    /** Stable name, e.g. {@code layers.3.attention}, {@code layers.3.mlp}, {@code hidden}, {@code <module>.lora_A}. */
    public String id() { return id; }

    public GroupKind kind() { return kind; }

    /** Decoder layer of every parameter in the group, or -1 when it spans layers. */
    public int layer() { return layer; }

    public boolean prunable() { return reasons.isEmpty(); }

    /** Why the group is unprunable; empty when prunable. */
    public List<String> reasons() { return reasons; }

    public int numStructures() { return numStructures; }

    public List<Slice> members() { return members; }

    public List<Slice> members(Slice.Role role) { return members.stream().filter(m -> m.role() == role).toList(); }

    public Slice member(String param, Slice.Axis axis) {
        for (Slice s : members) if (s.param().equals(param) && s.axis() == axis) return s;
        throw new IllegalArgumentException("group " + id + " has no slice of " + param + " along " + axis);
    }

    /** GQA kv heads read by this group's query heads; empty for multi-head attention and MLPs. */
    public Optional<SharedStructures> shared() { return Optional.ofNullable(shared); }

    /**
     * True when zeroing the OUT slices of a structure alone makes its IN slices irrelevant (checked
     * by zero propagation through the trace). False for a GQA query head whose kv head stays: its
     * output is still the mean of the kv head's values, so its o_proj columns must be zeroed too.
     */
    public boolean rowZeroInvariant() { return rowZeroInvariant; }

    /** True when zeroing a shared structure with all its users' OUT slices makes the users' IN slices irrelevant. */
    public boolean sharedZeroInvariant() { return sharedZeroInvariant; }

    /**
     * The same group with whole kv groups as structures (the {@link SelectionMode#KV_GROUP} view):
     * structure j is kv head j with all its query heads. Zero-invariant by rows alone. Groups without
     * shared structures are returned as they are.
     */
    public NodeGroup asKvGroups() {
        if (shared == null) return this;
        List<Slice> merged = new ArrayList<>();
        for (Slice m : members) merged.add(m.regrouped(j -> m.indices(shared.usersOf(j)), shared.count()));
        for (Slice m : shared.members()) merged.add(m);
        merged.sort(java.util.Comparator.comparing(Slice::role));          // rows first, then columns (stable)
        return new NodeGroup(id, kind, layer, reasons, shared.count(), merged, null, sharedZeroInvariant, sharedZeroInvariant);
    }

    /** Base (non-LoRA) parameters removed with one structure, shared structures not counted. */
    public long paramsPerStructure() { return params(members, false); }

    public long loraParamsPerStructure() { return params(members, true); }

    static long params(List<Slice> slices, boolean lora) {
        long n = 0;
        for (Slice s : slices) if (s.isLora() == lora && s.role() != Slice.Role.NO_PRUNE) n += s.paramsPerStructure();
        return n;
    }

    /** Every member's rows or columns for these structures, one cut per member. */
    public List<Cut> cuts(int... structures) {
        check(structures);
        return members.stream().map(m -> m.cut(structures)).toList();
    }

    public List<Cut> cuts(Slice.Role role, int... structures) {
        check(structures);
        return members(role).stream().map(m -> m.cut(structures)).toList();
    }

    /**
     * What to zero and what becomes free when removing these structures. OUT slices are always
     * zeroed; the IN slices of a structure are free when its rows alone make it vanish (or its
     * shared kv head goes with it), else they are zeroed too. Shared structures whose users are all
     * removed are included.
     */
    public Removal removal(int... structures) {
        check(structures);
        int[] gone = shared == null ? new int[0] : shared.fullyRemoved(structures);
        Set<Integer> goneShared = new TreeSet<>();
        for (int j : gone) goneShared.add(j);
        List<Integer> exact = new ArrayList<>(), inexact = new ArrayList<>();
        for (int s : structures) {
            boolean byRows = rowZeroInvariant || (shared != null && sharedZeroInvariant && goneShared.contains(shared.ownerOf(s)));
            (byRows ? exact : inexact).add(s);
        }
        List<Cut> zero = new ArrayList<>(cuts(Slice.Role.OUT, structures));
        if (shared != null && gone.length > 0)
            for (Slice m : shared.members(Slice.Role.OUT)) zero.add(m.cut(gone));
        List<Cut> free = new ArrayList<>();
        if (!inexact.isEmpty()) zero.addAll(cuts(Slice.Role.IN, toArray(inexact)));
        if (!exact.isEmpty()) free.addAll(cuts(Slice.Role.IN, toArray(exact)));
        return new Removal(structures, gone, zero, free);
    }

    private static int[] toArray(List<Integer> xs) { return xs.stream().mapToInt(Integer::intValue).toArray(); }

    private void check(int[] structures) {
        for (int s : structures)
            if (s < 0 || s >= numStructures)
                throw new IllegalArgumentException("group " + id + ": structure " + s + " outside [0, " + numStructures + ")");
        if (Arrays.stream(structures).distinct().count() != structures.length)
            throw new IllegalArgumentException("group " + id + ": repeated structure in " + Arrays.toString(structures));
    }

    @Override public String toString() {
        return id + " " + kind + " x" + numStructures + (prunable() ? "" : " unprunable " + reasons);
    }
}
