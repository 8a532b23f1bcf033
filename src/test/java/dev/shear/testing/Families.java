package dev.shear.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.io.ModelFolder;
import dev.shear.io.ModelStream;
import dev.shear.model.CausalLm;
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
