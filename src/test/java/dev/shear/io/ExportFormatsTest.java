package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.WidthAlignment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every export format reads back to the same function; a uniform Hugging Face folder is what stock LlamaForCausalLM expects. */
class ExportFormatsTest {
    static final int[][] TOKENS = {{1, 7, 3, 9, 22, 5, 17, 30, 2, 11, 45, 0}};
    /** Stock LlamaForCausalLM config fields (the set HfConfigJsonTest pins for a stock config). */
    static final TreeSet<String> STOCK_FIELDS = new TreeSet<>(List.of("architectures", "model_type", "hidden_size", "intermediate_size",
            "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "max_position_embeddings", "rms_norm_eps",
            "rope_theta", "vocab_size", "tie_word_embeddings", "bos_token_id", "eos_token_id", "torch_dtype", "hidden_act",
            "attention_bias", "mlp_bias"));

    @TempDir Path dir;

    /** A pruned-looking, bias-free LLaMA: group sizes 4, 3, 1 and 2, MLP widths 48, 20, 33, 7; 8 heads of 4 = hidden 32 originally. */
    static LoadedModel pruned(boolean tied) {
        ModelConfig c = ModelConfig.llama(32, 48, 4, 8, 2, 300, 32, tied).withLayers(List.of(new LayerWidths(8, 2, 4, 48),
                new LayerWidths(6, 2, 4, 20), new LayerWidths(4, 4, 4, 33), new LayerWidths(2, 1, 4, 7)));
        return new LoadedModel(c, CausalLm.randomWeights(c, 21, 0.3f), null);
    }

    static float[] logits(LoadedModel m) {
        try (CausalLm lm = CausalLm.fromWeights(m.config(), m.weights(), DType.F32); StepScope s = Engine.openScope(lm.store())) {
            return lm.forward(s.tokens(TOKENS)).toFloats();
        }
    }

    static void assertClose(float[] want, float[] got) {
        double scale = 0, worst = 0;
        for (float v : want) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]) / scale);
        assertTrue(worst < 1e-5, "logits differ by " + worst + " (relative to the largest)");
    }

    @Test void perLayerHuggingFaceFolderReloadsIdentically() {
        LoadedModel m = pruned(true);
        ModelFolder.save(m, null, dir.resolve("hf"));
        LoadedModel back = ModelFolder.load(dir.resolve("hf"));
        assertEquals(m.config(), back.config());
        JsonNode json = JsonFiles.read(dir.resolve("hf/config.json"));
        assertEquals("[48,20,33,7]", json.get("layer_intermediate_size").toString());
        assertEquals("[2,2,4,1]", json.get("layer_num_key_value_heads").toString());
        assertArrayEquals(logits(m), logits(back));
    }

    @Test void uniformHuggingFaceFolderIsStockLlamaForCausalLm() throws IOException {
        LoadedModel m = pruned(false);
        ExportShape.Result shaped = new ExportShape(WidthAlignment.NONE, true, false).apply(m);
        assertEquals(List.of("all layers: 8 heads / 8 KV heads, MLP 48 (zero padding: one shape for stock loaders)"), shaped.changes());
        Path out = dir.resolve("uniform");
        ModelFolder.save(shaped.model(), null, out);
        JsonNode json = JsonFiles.read(out.resolve("config.json"));
        TreeSet<String> fields = new TreeSet<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertEquals(STOCK_FIELDS, fields, "no per-layer arrays, no Shear-only fields");
        assertEquals("LlamaForCausalLM", json.get("architectures").get(0).asText());
        Map<String, long[]> want = stockStateDict(json);
        try (SafetensorsShards st = Safetensors.openFolder(out)) {
            assertEquals(want.keySet(), new TreeSet<>(st.names()));
            for (String name : want.keySet()) assertArrayEquals(want.get(name), st.info(name).shape(), name);
        }
        LoadedModel back = ModelFolder.load(out);
        assertTrue(back.config().isUniform());
        assertClose(logits(m), logits(back));
    }

    /** FLAP's o_proj/down_proj biases alone are no stock config; zero q/k/v and gate/up biases make them one. */
    @Test void uniformExportOfOutputBiasesIsStockWithZeroBiases() throws IOException {
        ModelConfig c = pruned(true).config().withBiases(false, true);
        Map<String, HostTensor> w = CausalLm.randomWeights(c, 23, 0.3f);
        w.replaceAll((name, t) -> name.endsWith(".bias") ? new HostTensor(t.shape(), Fixtures.randomFloats(t.data().length, 24)) : t);
        LoadedModel flap = new LoadedModel(c, w, null);
        Path out = dir.resolve("flap");
        ModelFolder.save(new ExportShape(WidthAlignment.NONE, true, false).apply(flap).model(), null, out);
        JsonNode json = JsonFiles.read(out.resolve("config.json"));
        TreeSet<String> fields = new TreeSet<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertEquals(STOCK_FIELDS, fields);
        assertTrue(json.get("attention_bias").asBoolean() && json.get("mlp_bias").asBoolean());
        try (SafetensorsShards st = Safetensors.openFolder(out)) {
            assertEquals(stockStateDict(json).keySet(), new TreeSet<>(st.names()));
        }
        assertClose(logits(flap), logits(ModelFolder.load(out)));
    }

    @Test void llama2cNeedsOneShapeAndReloadsWithTheSameFunction() {
        LoadedModel m = pruned(true);
        Path bin = dir.resolve("m.bin");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Llama2cWriter.write(m.config(), m.weights(), bin));
        assertTrue(e.getMessage().contains("layers of different widths"), e.getMessage());
        LoadedModel uniform = new ExportShape(WidthAlignment.NONE, true, true).apply(m).model();
        Llama2cWriter.write(uniform.config(), uniform.weights(), bin);
        LoadedModel back = ModelFolder.load(bin);
        assertEquals(new LayerWidths(8, 8, 4, 48), back.config().layer(3));
        assertClose(logits(m), logits(back));
    }

    /** llama2.c wants nHeads x headDim = dim: a model that lost heads in every layer is padded back to all 8. */
    @Test void llama2cPadsHeadsBackToTheModelWidth() {
        LoadedModel m = pruned(true);
        ModelConfig fewer = m.config().withLayers(List.of(new LayerWidths(6, 2, 4, 48), m.config().layer(1), m.config().layer(2), m.config().layer(3)));
        LoadedModel lm = new LoadedModel(fewer, CausalLm.randomWeights(fewer, 22, 0.3f), null);
        assertEquals(6, new ExportShape(WidthAlignment.NONE, true, false).apply(lm).model().config().layer(0).numHeads());
        LoadedModel full = new ExportShape(WidthAlignment.NONE, true, true).apply(lm).model();
        assertEquals(8, full.config().layer(0).numHeads());
        Llama2cWriter.write(full.config(), full.weights(), dir.resolve("f.bin"));
        assertClose(logits(lm), logits(ModelFolder.load(dir.resolve("f.bin"))));
    }

    @Test void ggufPerLayerAndAlignedReloadWithTheSameFunction() {
        LoadedModel m = pruned(true);
        LoadedModel aligned = new ExportShape(WidthAlignment.parse(16, "up"), false, false).apply(m).model();
        assertEquals(List.of(48, 32, 48, 16), aligned.config().layers().stream().map(LayerWidths::intermediateSize).toList());
        for (LoadedModel x : List.of(m, aligned)) {
            Path gguf = dir.resolve("m" + x.config().layer(1).intermediateSize() + ".gguf");
            GgufExport.write(x, GgufRoundTripTest.tinyTokenizer(300), GgufArch.DECI, GgufExport.Dtype.F32, gguf);
            LoadedModel back = ModelFolder.load(gguf);
            assertEquals(x.config().layers(), back.config().layers());
            assertClose(logits(m), logits(back));
        }
    }

    /** The checked-in LlamaForCausalLM state dict, sized from the config.json scalars alone. */
    static Map<String, long[]> stockStateDict(JsonNode cfg) throws IOException {
        Map<String, Long> v = new LinkedHashMap<>();
        for (String[] k : new String[][] {{"hidden", "hidden_size"}, {"heads", "num_attention_heads"}, {"kv", "num_key_value_heads"},
                {"head_dim", "head_dim"}, {"inter", "intermediate_size"}, {"vocab", "vocab_size"}}) v.put(k[0], cfg.get(k[1]).asLong());
        String text;
        try (InputStream in = ExportFormatsTest.class.getResourceAsStream("llama-for-causal-lm.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, long[]> out = new java.util.TreeMap<>();
        for (String line : text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList()) {
            List<String> parts = new ArrayList<>(List.of(line.trim().split(" ")));
            String cond = parts.get(parts.size() - 1);
            if (cond.startsWith("?")) {
                parts.remove(parts.size() - 1);
                boolean negate = cond.startsWith("?!");
                if (cfg.get(cond.substring(negate ? 2 : 1)).asBoolean() == negate) continue;
            }
            long[] shape = parts.stream().skip(1).mapToLong(dim -> Arrays.stream(dim.split("\\*")).mapToLong(v::get).reduce(1, (a, b) -> a * b)).toArray();
            int layers = parts.get(0).contains("{i}") ? cfg.get("num_hidden_layers").asInt() : 1;
            for (int l = 0; l < layers; l++) out.put(parts.get(0).replace("{i}", "" + l), shape);
        }
        return out;
    }
}
