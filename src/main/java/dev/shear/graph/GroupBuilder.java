package dev.shear.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns coupled channels into node groups: one group per set of coupled spaces that holds a
 * parameter; one structure per channel component inside it; a second kind of structure, shared, when
 * the attention rule linked them (GQA). Kind, layer and prunability come from the spaces' flags.
 */
final class GroupBuilder {
    private static final Pattern LAYER = Pattern.compile("layers\\.(\\d+)\\.");
    private static final Comparator<ChannelGraph.Space> MEMBER_ORDER = Comparator
            .comparing((ChannelGraph.Space s) -> s.role)
            .thenComparingInt(s -> s.firstUse)
            .thenComparing(s -> s.param)
            .thenComparingInt(s -> s.axis);

    private final ChannelGraph graph;
    private final GraphOptions options;
    private final Map<Integer, String> idOfRoot = new HashMap<>();

    GroupBuilder(ChannelGraph graph, GraphOptions options) {
        this.graph = graph;
        this.options = options;
    }

    /** Group id per space-set root, for drawing. */
    Map<Integer, String> idOfRoot() { return idOfRoot; }

    List<NodeGroup> build() {
        Map<Integer, List<ChannelGraph.Space>> parts = new LinkedHashMap<>();
        for (ChannelGraph.Space s : graph.spaces()) parts.computeIfAbsent(graph.groupOf(s), k -> new ArrayList<>()).add(s);
        List<NodeGroup> groups = new ArrayList<>();
        List<Integer> roots = new ArrayList<>();
        List<Integer> firstUse = new ArrayList<>();
        for (Map.Entry<Integer, List<ChannelGraph.Space>> e : parts.entrySet()) {
            List<ChannelGraph.Space> params = e.getValue().stream().filter(ChannelGraph.Space::isParam).sorted(MEMBER_ORDER).toList();
            if (params.isEmpty()) continue;                     // nothing to remove: not a group
            groups.add(group(e.getValue(), params));
            roots.add(e.getKey());
            firstUse.add(e.getValue().stream().mapToInt(s -> s.firstUse).min().orElse(0));
        }
        return order(groups, roots, firstUse);
    }

    private List<NodeGroup> order(List<NodeGroup> groups, List<Integer> roots, List<Integer> firstUse) {
        Integer[] idx = new Integer[groups.size()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.comparingInt((Integer i) -> groups.get(i).layer() < 0 ? Integer.MAX_VALUE : groups.get(i).layer())
                .thenComparing(i -> groups.get(i).kind())
                .thenComparingInt(firstUse::get));
        List<NodeGroup> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i : idx) {
            NodeGroup g = groups.get(i);
            int n = seen.merge(g.id(), 1, Integer::sum);
            if (n > 1) g = g.withId(g.id() + "#" + n);
            out.add(g);
            idOfRoot.put(roots.get(i), g.id());
        }
        return out;
    }

    /** Per channel component: indices of each member space (null where it has none). */
    private Map<Integer, List<Integer>[]> components(List<ChannelGraph.Space> params) {
        UnionFind uf = graph.channels();
        Map<Integer, List<Integer>[]> comps = new LinkedHashMap<>();
        for (int p = 0; p < params.size(); p++) {
            ChannelGraph.Space s = params.get(p);
            for (int c = 0; c < s.size; c++) {
                @SuppressWarnings("unchecked")
                List<Integer>[] lists = comps.computeIfAbsent(uf.find(s.element(c)), r -> (List<Integer>[]) new List[params.size()]);
                if (lists[p] == null) lists[p] = new ArrayList<>();
                lists[p].add(c);
            }
        }
        return comps;
    }

    private static List<Integer> signature(List<Integer>[] lists) {
        List<Integer> sig = new ArrayList<>(lists.length);
        for (List<Integer> l : lists) sig.add(l == null ? 0 : l.size());
        return sig;
    }

    /** The structure classes of a group: users (query heads, channels) and, for GQA, the shared kv heads. */
    private record Split(List<Integer> main, List<Integer> shared, boolean irregular) {}

    private NodeGroup group(List<ChannelGraph.Space> part, List<ChannelGraph.Space> params) {
        EnumSet<ChannelGraph.Flag> flags = EnumSet.noneOf(ChannelGraph.Flag.class);
        Set<String> opaque = new LinkedHashSet<>();
        for (ChannelGraph.Space s : part) {
            flags.addAll(s.flags);
            opaque.addAll(s.opaqueOps);
        }
        boolean rank = flags.contains(ChannelGraph.Flag.LORA_RANK);
        Map<Integer, List<Integer>[]> comps = components(params);
        Map<Integer, Integer> owner = owners(comps);
        Split split = split(comps, owner);
        List<Slice> members = split.irregular() ? wholeSlices(params, rank) : slices(params, split.main(), comps, rank);
        int numStructures = split.irregular() ? 1 : split.main().size();
        SharedStructures shared = null;
        if (split.shared() != null) {
            int[] ownerOf = new int[numStructures];
            for (int s = 0; s < ownerOf.length; s++) ownerOf[s] = split.shared().indexOf(owner.get(split.main().get(s)));
            shared = new SharedStructures(split.shared().size(), ownerOf, slices(params, split.shared(), comps, rank));
        }
        GroupKind kind = kind(flags);
        int layer = layer(members, shared);
        return new NodeGroup(id(kind, layer, members, flags), kind, layer, reasons(flags, opaque, split.irregular()), numStructures,
                members, shared, false, false);
    }

    /**
     * Components with the same member counts form a class. One class: plain structures. Two classes
     * joined by attention links: users and shared structures. Anything else is irregular.
     */
    private static Split split(Map<Integer, List<Integer>[]> comps, Map<Integer, Integer> owner) {
        Map<List<Integer>, List<Integer>> classes = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<Integer>[]> e : comps.entrySet())
            classes.computeIfAbsent(signature(e.getValue()), k -> new ArrayList<>()).add(e.getKey());
        List<List<Integer>> cls = new ArrayList<>(classes.values());
        if (cls.size() == 1) return new Split(sorted(cls.get(0), comps), null, false);
        for (int u = 0; cls.size() == 2 && u < 2; u++) {
            List<Integer> users = cls.get(u), shared = cls.get(1 - u);
            if (owner.keySet().equals(new java.util.HashSet<>(users)) && shared.containsAll(owner.values()))
                return new Split(sorted(users, comps), sorted(shared, comps), false);
        }
        return new Split(new ArrayList<>(comps.keySet()), null, true);
    }

    /** user component root → shared component root, from the attention rule's links. */
    private Map<Integer, Integer> owners(Map<Integer, List<Integer>[]> comps) {
        UnionFind uf = graph.channels();
        Map<Integer, Integer> owner = new HashMap<>();
        for (int[] l : graph.links()) {
            int a = uf.find(l[0]), b = uf.find(l[1]);
            if (!comps.containsKey(a) || !comps.containsKey(b) || a == b) continue;
            Integer prev = owner.put(a, b);
            if (prev != null && prev != b) return Map.of();     // one query head reading two kv heads: not GQA
        }
        return owner;
    }

    /** Structures in order of their first index along their first member. */
    private static List<Integer> sorted(List<Integer> roots, Map<Integer, List<Integer>[]> comps) {
        List<Integer> out = new ArrayList<>(roots);
        out.sort(Comparator.comparingInt(r -> firstIndex(comps.get(r))));
        return out;
    }

    private static int firstIndex(List<Integer>[] lists) {
        for (List<Integer> l : lists) if (l != null) return l.get(0);
        return Integer.MAX_VALUE;
    }

    private List<Slice> slices(List<ChannelGraph.Space> params, List<Integer> roots, Map<Integer, List<Integer>[]> comps, boolean rank) {
        List<Slice> out = new ArrayList<>();
        for (int p = 0; p < params.size(); p++) {
            if (comps.get(roots.get(0))[p] == null) continue;
            int[][] idx = new int[roots.size()][];
            for (int s = 0; s < idx.length; s++) idx[s] = comps.get(roots.get(s))[p].stream().mapToInt(Integer::intValue).toArray();
            out.add(slice(params.get(p), idx, rank));
        }
        return out;
    }

    private List<Slice> wholeSlices(List<ChannelGraph.Space> params, boolean rank) {
        List<Slice> out = new ArrayList<>();
        for (ChannelGraph.Space s : params) {
            int[] all = new int[s.size];
            for (int c = 0; c < all.length; c++) all[c] = c;
            out.add(slice(s, new int[][] {all}, rank));
        }
        return out;
    }

    private Slice slice(ChannelGraph.Space s, int[][] idx, boolean rank) {
        Slice.Role role = rank ? Slice.Role.NO_PRUNE : s.role;
        Slice.Axis axis = s.axis == 0 ? Slice.Axis.OUT : Slice.Axis.IN;
        return new Slice(s.param, axis, role, graph.paramShape(s.param), idx);
    }

    private static GroupKind kind(Set<ChannelGraph.Flag> f) {
        if (f.contains(ChannelGraph.Flag.LORA_RANK)) return GroupKind.LORA_A;
        if (f.contains(ChannelGraph.Flag.OUTPUT) || f.contains(ChannelGraph.Flag.INDEXED)) return GroupKind.VOCAB;
        if (f.contains(ChannelGraph.Flag.NORM)) return GroupKind.HIDDEN;
        if (f.contains(ChannelGraph.Flag.ATTENTION)) return GroupKind.ATTENTION;
        if (f.contains(ChannelGraph.Flag.ACTIVATION)) return GroupKind.MLP;
        return GroupKind.OTHER;
    }

    /** OTOv2's rules plus ours: what makes a group unprunable. */
    private List<String> reasons(Set<ChannelGraph.Flag> f, Set<String> opaque, boolean irregular) {
        List<String> r = new ArrayList<>();
        if (f.contains(ChannelGraph.Flag.LORA_RANK)) r.add("LoRA rank space: the composed LoRA-A group is never pruned");
        if (f.contains(ChannelGraph.Flag.OUTPUT)) r.add("reaches the model output");
        if (f.contains(ChannelGraph.Flag.INDEXED)) r.add("indexed by token ids");
        if (f.contains(ChannelGraph.Flag.NORM) && !options.prunableHidden())
            r.add("normalised hidden dimension (see GraphOptions.prunableHidden)");
        if (!f.contains(ChannelGraph.Flag.STEM)) r.add("no stem op");
        if (f.contains(ChannelGraph.Flag.OPAQUE)) r.add("passes ops without a channel rule: " + String.join(", ", opaque));
        if (irregular) r.add("structures differ in shape");
        return r;
    }

    private static int layer(List<Slice> members, SharedStructures shared) {
        Set<Integer> layers = new TreeSet<>();
        List<Slice> all = new ArrayList<>(members);
        if (shared != null) all.addAll(shared.members());
        for (Slice s : all) {
            Matcher m = LAYER.matcher(s.param());
            layers.add(m.find() ? Integer.parseInt(m.group(1)) : -1);
        }
        return layers.size() == 1 ? layers.iterator().next() : -1;
    }

    private static String id(GroupKind kind, int layer, List<Slice> members, Set<ChannelGraph.Flag> f) {
        String prefix = layer >= 0 ? "layers." + layer + "." : "";
        return switch (kind) {
            case LORA_A -> members.stream().map(Slice::param).filter(p -> p.endsWith(LinearRule.LORA_A)).findFirst()
                    .map(p -> p.substring(0, p.length() - ".weight".length())).orElse(prefix + "lora_A");
            case VOCAB -> f.contains(ChannelGraph.Flag.OUTPUT) ? "logits" : "token_rows";
            case HIDDEN -> "hidden";
            case ATTENTION -> prefix + "attention";
            case MLP -> prefix + "mlp";
            case OTHER -> prefix + "other";
        };
    }
}
