package dev.shear.graph;

/** Addresses one structure: group index in the set, structure index in the group. */
public record StructureRef(int group, int structure) implements Comparable<StructureRef> {
    @Override public int compareTo(StructureRef o) {
        return group != o.group ? Integer.compare(group, o.group) : Integer.compare(structure, o.structure);
    }
}
