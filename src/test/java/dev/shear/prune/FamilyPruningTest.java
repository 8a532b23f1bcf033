package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.engine.DType;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.ModelStream;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.testing.Families;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Per family: zero random structures (the masked model), compact, save as a Hugging Face folder,
 * reload: every step gives the masked model's logits. Phi-3's projections go back to disk fused with
 * the pruned widths; uniform results get a stock config, per-layer ones the per-layer arrays.
 */
class FamilyPruningTest {
    private static final double TOL = 1e-9;
    @TempDir Path dir;

    @ParameterizedTest @ValueSource(strings = {"llama3", "llama-linear", "mistral", "qwen2", "qwen2-untied", "qwen3", "gemma2", "gemma3", "phi3"})
    void prunedCompactedAndReloadedGiveTheMaskedLogits(String name) throws Exception {
        check(name, false);
        check(name, true);
    }

    private void check(String name, boolean uniform) throws Exception {
        int[] ids = java.util.Arrays.copyOf(Families.ints(Families.golden(name).get("tokens")), 10);
        Path out = dir.resolve(name + (uniform ? "-uniform" : "-layered"));
        double[] masked, compacted;
        ModelConfig pruned;
        try (CausalLm model = Families.load(name, DType.F64)) {
            StructureSet set = DependencyGraph.trace(model).structures();
            List<StructureRef> removed = choose(set, uniform, name.hashCode());
            Masking.zero(model, null, set, removed);
            masked = Families.logits(model, ids);
            try (CausalLm compact = Compactor.compact(model, set, Zeros.structures(model, set), Map.of())) {
                compacted = Families.logits(compact, ids);
                pruned = compact.config();
                assertTrue(compact.numParams() < model.numParams(), name);
                try (var tok = ModelFolder.loadTokenizer(Families.folder(name), null)) {
                    ModelFolder.save(new LoadedModel(compact.config(), compact.toHost(), null), tok, out);
                }
            }
        }
        assertTrue(Families.relDiff(masked, compacted) <= TOL, name + ": compact vs masked " + Families.relDiff(masked, compacted));
        boolean oneShape = uniform || pruned.numLayers() == 1;
        assertEquals(oneShape, pruned.isUniform(), name + " " + pruned.layers());
        try (ModelStream s = ModelFolder.open(out); CausalLm back = CausalLm.fromSource(s.config(), s.weights(), DType.F64)) {
            assertEquals(pruned, back.config(), name + ": config.json round trip");
            double d = Families.relDiff(masked, Families.logits(back, ids));
            assertTrue(d <= TOL, name + ": reloaded vs masked " + d);
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals(pruned.family().hfClass, json.get("architectures").get(0).asText(), name);
        assertEquals(!oneShape, json.has("layer_intermediate_size"), name + ": per-layer arrays only when widths differ");
        if (pruned.family() == dev.shear.model.Family.PHI3) {
            JsonNode header = safetensorsHeader(out.resolve("model.safetensors"));
            assertTrue(header.has("model.layers.0.self_attn.qkv_proj.weight") && !header.has("model.layers.0.self_attn.q_proj.weight"), "fused again");
            int rows = pruned.layer(0).qDim() + 2 * pruned.layer(0).kvDim();
            assertEquals(rows, header.get("model.layers.0.self_attn.qkv_proj.weight").get("shape").get(0).asInt(), "with the pruned widths");
        }
    }

    /** LoRA on every projection (random B), structures zeroed with their LoRA slices, LoRA merged, compacted: the masked logits. */
    @ParameterizedTest @ValueSource(strings = {"llama3", "mistral", "qwen2", "qwen3", "gemma2", "gemma3", "phi3"})
    void loraMergedBeforeCompactionKeepsTheMaskedLogits(String name) {
        int[] ids = java.util.Arrays.copyOf(Families.ints(Families.golden(name).get("tokens")), 10);
        try (CausalLm model = Families.load(name, DType.F64)) {
            dev.shear.lora.LoraAdapters ad = dev.shear.lora.LoraAdapters.insert(model, new dev.shear.lora.LoraConfig(dev.shear.lora.LoraConfig.ALL_TARGETS, 4, 8, 0.0, 5));
            Random r = new Random(6);
            try (var s = dev.shear.engine.Engine.openScope(ad.store())) {
                for (var l : ad.modules().values()) {
                    float[] b = new float[(int) l.loraB().numel()];
                    for (int i = 0; i < b.length; i++) b[i] = (float) (r.nextGaussian() * 0.05);
                    l.loraB().assign(b);
                }
            }
            StructureSet set = DependencyGraph.trace(model).structures();
            List<StructureRef> removed = choose(set, false, 7);
            Masking.zero(model, ad, set, removed);
            double[] masked = Families.logits(model, ids);
            ad.close();                                                                   // merged into the base
            assertTrue(Families.relDiff(masked, Families.logits(model, ids)) <= TOL, name + ": merging changed the masked logits");
            try (CausalLm compact = Compactor.compact(model, set, Zeros.structures(model, set), Map.of())) {
                double d = Families.relDiff(masked, Families.logits(compact, ids));
                // compaction copies weights through fp32 host tensors: the merged float64 weights W + sBA round there
                assertTrue(d <= 1e-6, name + ": merged and compacted vs masked " + d);
            }
        }
    }

    /** Random structures of every group, at least one kept; uniform: the same count in each layer's group of a cluster. */
    private static List<StructureRef> choose(StructureSet set, boolean uniform, long seed) {
        Random r = new Random(seed);
        List<StructureRef> out = new ArrayList<>();
        for (int g = 0; g < set.groups().size(); g++) {
            int n = set.groups().get(g).structures().size();
            int k = uniform ? Math.max(1, n / 3) : 1 + r.nextInt(Math.max(1, n - 1));
            List<Integer> order = new ArrayList<>();
            for (int s = 0; s < n; s++) order.add(s);
            java.util.Collections.shuffle(order, r);
            for (int s : order.subList(0, Math.min(k, n - 1))) out.add(new StructureRef(g, s));
        }
        return out;
    }

    private static JsonNode safetensorsHeader(Path file) throws Exception {
        try (var in = java.nio.file.Files.newInputStream(file)) {
            byte[] len = in.readNBytes(8);
            long n = java.nio.ByteBuffer.wrap(len).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            return new ObjectMapper().readTree(in.readNBytes((int) n));
        }
    }
}
