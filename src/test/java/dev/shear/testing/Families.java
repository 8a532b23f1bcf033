package dev.shear.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.io.HfConfigJson;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.ModelStream;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/**
 * The family fixtures of src/test/resources/families (random weights in each family's real config
 * shape, shrunk; written by reference/make_family_fixtures.py) and their float64 goldens.
 */
public final class Families {
    /** Every fixture folder. */
    public static final List<String> ALL = List.of("llama3", "llama-linear", "llama-dynamic", "mistral", "qwen2", "qwen2-untied",
            "qwen3", "gemma2", "gemma3", "phi3");

    private Families() {}

    public static Path folder(String name) { return resource("/families/" + name); }

    /** A tokenizer kind's folder (llama3, qwen, gemma, llama2). */
    public static Path tokenizer(String kind) { return resource("/tokenizers/" + kind); }

    public static JsonNode golden(String name) { return Golden.json("families.json").get("fixtures").get(name); }

    public static CausalLm load(String name, DType dtype) {
        try (ModelStream s = ModelFolder.open(folder(name))) {
            return CausalLm.fromSource(s.config(), s.weights(), dtype);
        }
    }

    /**
     * A fixture's config at widths whose matrix rows are whole 256-value blocks (hidden 256, 4 heads
     * of 64, MLP 512, 2 of them KV heads) with random N(0, 0.1) weights, so quantized exports store
     * every matrix in its nominal type. The query scale follows the head size as llama.cpp's Gemma
     * graphs fix it; LongRoPE factors are stretched to the wider rotary dimension.
     */
    public static LoadedModel widened(String name, long seed) {
        ObjectNode c;
        try {
            c = (ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(folder(name).resolve(HfConfigJson.FILE).toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        c.put("hidden_size", 256).put("intermediate_size", 512).put("num_attention_heads", 4).put("num_key_value_heads", 2);
        if (c.has("head_dim")) c.put("head_dim", 64);
        if (c.has("query_pre_attn_scalar")) c.put("query_pre_attn_scalar", 64);
        if (c.get("rope_scaling") instanceof ObjectNode rs && rs.has("long_factor")) {
            int half = (int) (64 * c.path("partial_rotary_factor").asDouble(1.0)) / 2;
            for (String key : List.of("long_factor", "short_factor")) rs.set(key, stretched((ArrayNode) rs.get(key), half));
        }
        ModelConfig cfg = HfConfigJson.parse(c, name + " (widened)");
        return new LoadedModel(cfg, CausalLm.randomWeights(cfg, seed, 0.1f), null);
    }

    private static ArrayNode stretched(ArrayNode a, int n) {
        ArrayNode out = a.arrayNode();
        for (int i = 0; i < n; i++) out.add(a.get(i * a.size() / n));
        return out;
    }

    public static int[] ints(JsonNode array) { return LlamaCpp.ints(array); }

    public static double[] doubles(JsonNode array) { return LlamaCpp.doubles(array); }

    /** Logits (T x V, row-major) of one sequence from position 0. */
    public static double[] logits(CausalLm m, int[] ids) {
        try (StepScope s = Engine.openScope(m.store())) {
            return m.forward(s.tokens(new int[][] {ids})).toDoubles();
        }
    }

    /** max |a - b| / max |reference|. */
    public static double relDiff(double[] reference, double[] b) {
        if (reference.length != b.length) throw new IllegalArgumentException(reference.length + " vs " + b.length + " values");
        double diff = 0, scale = 0;
        for (int i = 0; i < reference.length; i++) {
            diff = Math.max(diff, Math.abs(reference[i] - b[i]));
            scale = Math.max(scale, Math.abs(reference[i]));
        }
        return diff / scale;
    }

    private static Path resource(String path) {
        try {
            var url = Families.class.getResource(path);
            if (url == null) throw new IllegalStateException(path + " missing from src/test/resources (reference/make_family_fixtures.py writes it)");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
