package dev.shear.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Everything it takes to remove some structures of a node group exactly.
 *
 * @param structures       the group's structures removed
 * @param sharedStructures shared structures (GQA kv heads) all of whose users are removed, so they go too
 * @param zero             slices to set to zero; then the model no longer depends on any removed structure
 * @param free             slices whose values no longer matter once {@code zero} is zero (cut in the second pass)
 */
public record Removal(int[] structures, int[] sharedStructures, List<Cut> zero, List<Cut> free) {
    public Removal {
        structures = structures.clone();
        sharedStructures = sharedStructures.clone();
        zero = List.copyOf(zero);
        free = List.copyOf(free);
    }

    @Override public int[] structures() { return structures.clone(); }

    @Override public int[] sharedStructures() { return sharedStructures.clone(); }

    /** zero and free merged per parameter axis: what compaction slices away. */
    public List<Cut> all() {
        Map<String, TreeSet<Integer>> idx = new LinkedHashMap<>();
        Map<String, Cut> first = new LinkedHashMap<>();
        List<Cut> both = new ArrayList<>(zero);
        both.addAll(free);
        for (Cut c : both) {
            String key = c.param() + "#" + c.axis();
            first.putIfAbsent(key, c);
            TreeSet<Integer> set = idx.computeIfAbsent(key, k -> new TreeSet<>());
            for (int i : c.indices()) set.add(i);
        }
        List<Cut> out = new ArrayList<>();
        for (Map.Entry<String, Cut> e : first.entrySet()) {
            int[] ix = idx.get(e.getKey()).stream().mapToInt(Integer::intValue).toArray();
            out.add(new Cut(e.getValue().param(), e.getValue().axis(), e.getValue().role(), ix, e.getValue().lora()));
        }
        return out;
    }
}
