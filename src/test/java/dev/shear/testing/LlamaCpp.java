package dev.shear.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.eval.LlamaCppRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a GGUF in llama.cpp through bench/llamacpp/llamacpp-run.mjs (node-llama-cpp 3.21.1: CPU,
 * one thread, F32 KV cache). Tests that need it are skipped when node or the package is missing;
 * bench/llamacpp/run-check.sh installs it.
 */
public final class LlamaCpp {
    private static final Path DIR = Path.of("bench", "llamacpp").toAbsolutePath();

    private LlamaCpp() {}

    public static void assumeAvailable() {
        Assumptions.assumeTrue(Files.isDirectory(DIR.resolve("node_modules/node-llama-cpp")),
                "node-llama-cpp is not installed in " + DIR + " (run bench/llamacpp/run-check.sh)");
    }

    /** One run; the answer has ok, error, generated, logprobs, tokenized, bench as requested. */
    public static JsonNode run(Map<String, Object> request) {
        assumeAvailable();
        return new LlamaCppRunner(DIR).run(request);
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
        return out;
    }
}
