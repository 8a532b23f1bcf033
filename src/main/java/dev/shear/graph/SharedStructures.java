package dev.shear.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Structures that several structures of a group read, such as GQA kv heads: kv head j serves query
 * heads j*n_rep .. (j+1)*n_rep - 1 and becomes removable only when all of them are removed.
 */
public final class SharedStructures {
    private final int count;
    private final int[] ownerOf;
    private final List<Slice> members;

    SharedStructures(int count, int[] ownerOf, List<Slice> members) {
        this.count = count;
        this.ownerOf = ownerOf.clone();
        this.members = List.copyOf(members);
    }

    public int count() { return count; }

    /** The shared structure that group structure s reads. */
    public int ownerOf(int structure) { return ownerOf[structure]; }

    /** Group structures that read shared structure j, ascending. */
    public int[] usersOf(int shared) {
        List<Integer> u = new ArrayList<>();
        for (int s = 0; s < ownerOf.length; s++) if (ownerOf[s] == shared) u.add(s);
        return u.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Users per shared structure (n_rep), or -1 when it varies. */
    public int usersPerStructure() {
        int n = usersOf(0).length;
        for (int j = 1; j < count; j++) if (usersOf(j).length != n) return -1;
        return n;
    }

    public List<Slice> members() { return members; }

    public List<Slice> members(Slice.Role role) { return members.stream().filter(m -> m.role() == role).toList(); }

    /** Shared structures all of whose users are in the given set. */
    public int[] fullyRemoved(int... removedUsers) {
        Set<Integer> removed = new TreeSet<>();
        for (int s : removedUsers) removed.add(s);
        List<Integer> out = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            boolean all = true;
            for (int u : usersOf(j)) all &= removed.contains(u);
            if (all) out.add(j);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    public long paramsPerStructure() { return NodeGroup.params(members, false); }

    public long loraParamsPerStructure() { return NodeGroup.params(members, true); }
}
