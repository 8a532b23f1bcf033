package dev.shear.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.lora.LoraConfig;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * The groups of a LLaMA decoder layer (docs/method.md, "Structures"), extended to GQA and GPT-NeoX, written out by hand from a
 * config. Independent of the graph code: it names parameters and index ranges directly.
 */
final class ExpectedGroups {
    private ExpectedGroups() {}

    record Member(String param, Slice.Axis axis, Slice.Role role, int per, IntFunction<int[]> indices) {}

    record Shared(int count, IntFunction<Integer> ownerOf, List<Member> members, long paramsPerStructure) {}

    record Group(String id, GroupKind kind, int layer, boolean prunable, int structures, List<Member> members,
                 Shared shared, long paramsPerStructure) {}

    static final Slice.Axis ROWS = Slice.Axis.OUT, COLS = Slice.Axis.IN;
    static final Slice.Role OUT = Slice.Role.OUT, IN = Slice.Role.IN, KEEP = Slice.Role.NO_PRUNE;

    /** Structure s owns [s*size, (s+1)*size). */
    static IntFunction<int[]> block(int size) {
        return s -> java.util.stream.IntStream.range(s * size, (s + 1) * size).toArray();
    }

    static Member m(String param, Slice.Axis axis, Slice.Role role, int per) { return new Member(param, axis, role, per, block(per)); }

    // ---- LLaMA --------------------------------------------------------------------------------------

    static List<Group> llama(ModelConfig c, LoraConfig lora) {
        List<Group> out = new ArrayList<>();
        int d = c.hiddenSize();
        for (int l = 0; l < c.numLayers(); l++) {
            out.add(llamaAttention(c, l, lora));
            out.add(llamaMlp(c, l, lora));
            if (lora != null)
                for (String mod : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                        "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"))
                    if (lora.targets(mod)) out.add(loraA("model.layers." + l + "." + mod, lora.rank(), l));
        }
        out.add(llamaHidden(c, lora));
        out.addAll(vocab(c.vocabSize(), c.tiedEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight",
                c.tiedEmbeddings() ? null : "model.embed_tokens.weight", d));
        return out;
    }

    private static Group llamaAttention(ModelConfig c, int l, LoraConfig lora) {
        LayerWidths w = c.layer(l);
        int hd = w.headDim(), d = c.hiddenSize(), rep = w.numHeads() / w.numKvHeads();
        String p = "model.layers." + l + ".self_attn.";
        List<Member> q = new ArrayList<>(), kv = new ArrayList<>();
        q.add(m(p + "q_proj.weight", ROWS, OUT, hd));
        if (c.attentionBias()) q.add(m(p + "q_proj.bias", ROWS, OUT, hd));
        if (lora != null && lora.targets(p + "q_proj")) q.add(m(p + "q_proj.lora_B.weight", ROWS, OUT, hd));
        for (String proj : List.of("k_proj", "v_proj")) {
            kv.add(m(p + proj + ".weight", ROWS, OUT, hd));
            if (c.attentionBias()) kv.add(m(p + proj + ".bias", ROWS, OUT, hd));
            if (lora != null && lora.targets(p + proj)) kv.add(m(p + proj + ".lora_B.weight", ROWS, OUT, hd));
        }
        q.add(m(p + "o_proj.weight", COLS, IN, hd));
        if (lora != null && lora.targets(p + "o_proj")) q.add(m(p + "o_proj.lora_A.weight", COLS, IN, hd));
        long qParams = 2L * hd * d + (c.attentionBias() ? hd : 0);
        long kvParams = 2L * hd * d + (c.attentionBias() ? 2L * hd : 0);
        if (rep == 1) {                                      // multi-head: one head = q, k, v rows and o columns
            List<Member> all = new ArrayList<>(q);
            all.addAll(kv);
            return new Group("layers." + l + ".attention", GroupKind.ATTENTION, l, true, w.numHeads(), all, null, qParams + kvParams);
        }
        return new Group("layers." + l + ".attention", GroupKind.ATTENTION, l, true, w.numHeads(), q,
                new Shared(w.numKvHeads(), h -> h / rep, kv, kvParams), qParams);
    }

    private static Group llamaMlp(ModelConfig c, int l, LoraConfig lora) {
        String p = "model.layers." + l + ".mlp.";
        List<Member> ms = new ArrayList<>();
        for (String proj : List.of("gate_proj", "up_proj")) {
            ms.add(m(p + proj + ".weight", ROWS, OUT, 1));
            if (c.mlpBias()) ms.add(m(p + proj + ".bias", ROWS, OUT, 1));
            if (lora != null && lora.targets(p + proj)) ms.add(m(p + proj + ".lora_B.weight", ROWS, OUT, 1));
        }
        ms.add(m(p + "down_proj.weight", COLS, IN, 1));
        if (lora != null && lora.targets(p + "down_proj")) ms.add(m(p + "down_proj.lora_A.weight", COLS, IN, 1));
        long params = 3L * c.hiddenSize() + (c.mlpBias() ? 2 : 0);
        return new Group("layers." + l + ".mlp", GroupKind.MLP, l, true, c.layer(l).intermediateSize(), ms, null, params);
    }

    /** One hidden channel: embedding column, every norm weight, every row written into the residual, every column reading it. */
    private static Group llamaHidden(ModelConfig c, LoraConfig lora) {
        List<Member> ms = new ArrayList<>();
        ms.add(m("model.embed_tokens.weight", COLS, OUT, 1));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            ms.add(m(p + "input_layernorm.weight", ROWS, OUT, 1));
            ms.add(m(p + "post_attention_layernorm.weight", ROWS, OUT, 1));
            for (String mod : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj", "mlp.up_proj")) {
                ms.add(m(p + mod + ".weight", COLS, IN, 1));
                if (lora != null && lora.targets(p + mod)) ms.add(m(p + mod + ".lora_A.weight", COLS, IN, 1));
            }
            for (String mod : List.of("self_attn.o_proj", "mlp.down_proj")) {
                ms.add(m(p + mod + ".weight", ROWS, OUT, 1));
                if (c.outputBias()) ms.add(m(p + mod + ".bias", ROWS, OUT, 1));
                if (lora != null && lora.targets(p + mod)) ms.add(m(p + mod + ".lora_B.weight", ROWS, OUT, 1));
            }
        }
        ms.add(m("model.norm.weight", ROWS, OUT, 1));
        if (!c.tiedEmbeddings()) ms.add(m("lm_head.weight", COLS, IN, 1));
        return new Group("hidden", GroupKind.HIDDEN, -1, false, c.hiddenSize(), ms, null, -1);
    }

    // ---- GPT-NeoX -----------------------------------------------------------------------------------

    static List<Group> neox(ModelConfig c, LoraConfig lora) {
        List<Group> out = new ArrayList<>();
        int d = c.hiddenSize();
        for (int l = 0; l < c.numLayers(); l++) {
            LayerWidths w = c.layer(l);
            int hd = w.headDim();
            String p = "gpt_neox.layers." + l + ".";
            List<Member> att = new ArrayList<>();                // fused rows per head: [q, k, v] = 3*hd contiguous rows
            att.add(m(p + "attention.query_key_value.weight", ROWS, OUT, 3 * hd));
            att.add(m(p + "attention.query_key_value.bias", ROWS, OUT, 3 * hd));
            if (lora != null && lora.targets(p + "attention.query_key_value"))
                att.add(m(p + "attention.query_key_value.lora_B.weight", ROWS, OUT, 3 * hd));
            att.add(m(p + "attention.dense.weight", COLS, IN, hd));
            if (lora != null && lora.targets(p + "attention.dense")) att.add(m(p + "attention.dense.lora_A.weight", COLS, IN, hd));
            out.add(new Group("layers." + l + ".attention", GroupKind.ATTENTION, l, true, w.numHeads(), att, null,
                    3L * hd * d + 3L * hd + (long) hd * d));
            List<Member> mlp = new ArrayList<>();
            mlp.add(m(p + "mlp.dense_h_to_4h.weight", ROWS, OUT, 1));
            mlp.add(m(p + "mlp.dense_h_to_4h.bias", ROWS, OUT, 1));
            if (lora != null && lora.targets(p + "mlp.dense_h_to_4h")) mlp.add(m(p + "mlp.dense_h_to_4h.lora_B.weight", ROWS, OUT, 1));
            mlp.add(m(p + "mlp.dense_4h_to_h.weight", COLS, IN, 1));
            if (lora != null && lora.targets(p + "mlp.dense_4h_to_h")) mlp.add(m(p + "mlp.dense_4h_to_h.lora_A.weight", COLS, IN, 1));
            out.add(new Group("layers." + l + ".mlp", GroupKind.MLP, l, true, w.intermediateSize(), mlp, null, 2L * d + 1));
            if (lora != null)
                for (String mod : List.of("attention.query_key_value", "attention.dense", "mlp.dense_h_to_4h", "mlp.dense_4h_to_h"))
                    if (lora.targets(p + mod)) out.add(loraA(p + mod, lora.rank(), l));
        }
        out.add(neoxHidden(c, lora));
        out.addAll(vocab(c.vocabSize(), "embed_out.weight", "gpt_neox.embed_in.weight", d));
        return out;
    }

    private static Group neoxHidden(ModelConfig c, LoraConfig lora) {
        List<Member> ms = new ArrayList<>();
        ms.add(m("gpt_neox.embed_in.weight", COLS, OUT, 1));
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "gpt_neox.layers." + l + ".";
            for (String norm : List.of("input_layernorm", "post_attention_layernorm")) {
                ms.add(m(p + norm + ".weight", ROWS, OUT, 1));
                ms.add(m(p + norm + ".bias", ROWS, OUT, 1));
            }
            for (String mod : List.of("attention.query_key_value", "mlp.dense_h_to_4h")) {
                ms.add(m(p + mod + ".weight", COLS, IN, 1));
                if (lora != null && lora.targets(p + mod)) ms.add(m(p + mod + ".lora_A.weight", COLS, IN, 1));
            }
            for (String mod : List.of("attention.dense", "mlp.dense_4h_to_h")) {
                ms.add(m(p + mod + ".weight", ROWS, OUT, 1));
                ms.add(m(p + mod + ".bias", ROWS, OUT, 1));
                if (lora != null && lora.targets(p + mod)) ms.add(m(p + mod + ".lora_B.weight", ROWS, OUT, 1));
            }
        }
        ms.add(m("gpt_neox.final_layer_norm.weight", ROWS, OUT, 1));
        ms.add(m("gpt_neox.final_layer_norm.bias", ROWS, OUT, 1));
        ms.add(m("embed_out.weight", COLS, IN, 1));
        return new Group("hidden", GroupKind.HIDDEN, -1, false, c.hiddenSize(), ms, null, -1);
    }

    // ---- shared pieces --------------------------------------------------------------------------------

    /** The rank space of one adapter: A's rows and B's columns, never pruned. */
    static Group loraA(String module, int rank, int layer) {
        return new Group(module + ".lora_A", GroupKind.LORA_A, layer, false, rank,
                List.of(m(module + ".lora_A.weight", ROWS, KEEP, 1), m(module + ".lora_B.weight", COLS, KEEP, 1)), null, 0);
    }

    /** The logits (head rows) and, when untied, the embedding rows read by token id. */
    static List<Group> vocab(int v, String head, String untiedEmbedding, int d) {
        List<Group> out = new ArrayList<>();
        out.add(new Group("logits", GroupKind.VOCAB, -1, false, v, List.of(m(head, ROWS, OUT, 1)), null, d));
        if (untiedEmbedding != null)
            out.add(new Group("token_rows", GroupKind.VOCAB, -1, false, v, List.of(m(untiedEmbedding, ROWS, IN, 1)), null, d));
        return out;
    }

    // ---- comparison --------------------------------------------------------------------------------

    static void assertGraphHas(List<Group> expected, DependencyGraph graph) {
        assertEquals(new TreeSet<>(expected.stream().map(Group::id).toList()),
                new TreeSet<>(graph.groups().stream().map(NodeGroup::id).toList()), "group ids");
        for (Group e : expected) assertGroup(e, graph.group(e.id()));
    }

    static void assertGroup(Group e, NodeGroup g) {
        String at = "group " + e.id();
        assertEquals(e.kind(), g.kind(), at + " kind");
        assertEquals(e.layer(), g.layer(), at + " layer");
        assertEquals(e.prunable(), g.prunable(), at + " prunable " + g.reasons());
        assertEquals(e.structures(), g.numStructures(), at + " structures");
        if (e.paramsPerStructure() >= 0) assertEquals(e.paramsPerStructure(), g.paramsPerStructure(), at + " params per structure");
        assertMembers(at, e.members(), g.members(), e.structures());
        assertEquals(e.shared() != null, g.shared().isPresent(), at + " has shared kv heads");
        if (e.shared() == null) return;
        SharedStructures kv = g.shared().get();
        assertEquals(e.shared().count(), kv.count(), at + " kv heads");
        for (int s = 0; s < e.structures(); s++) assertEquals(e.shared().ownerOf().apply(s), kv.ownerOf(s), at + " kv head of query head " + s);
        assertEquals(e.shared().paramsPerStructure(), kv.paramsPerStructure(), at + " params per kv head");
        assertMembers(at + " kv", e.shared().members(), kv.members(), e.shared().count());
    }

    private static void assertMembers(String at, List<Member> expected, List<Slice> actual, int structures) {
        Map<String, Member> want = new TreeMap<>();
        for (Member m : expected) want.put(m.param() + " " + m.axis(), m);
        Map<String, Slice> got = new TreeMap<>();
        for (Slice s : actual) got.put(s.param() + " " + s.axis(), s);
        assertEquals(want.keySet(), got.keySet(), at + " members");
        for (Map.Entry<String, Member> e : want.entrySet()) {
            Member m = e.getValue();
            Slice s = got.get(e.getKey());
            assertEquals(m.role(), s.role(), at + " role of " + e.getKey());
            assertEquals(m.per(), s.perStructure(), at + " per structure of " + e.getKey());
            for (int i = 0; i < structures; i++)
                assertArrayEquals(m.indices().apply(i), s.indices(i), at + " indices of " + e.getKey() + " structure " + i);
        }
        assertTrue(actual.stream().allMatch(s -> s.numStructures() == structures), at + " slices cover every structure");
    }

    static String describe(List<Group> groups) {
        return groups.stream().map(g -> g.id() + " x" + g.structures()).collect(Collectors.joining(", "));
    }
}
