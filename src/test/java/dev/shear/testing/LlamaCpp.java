package dev.shear.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a GGUF in llama.cpp through bench/llamacpp/llamacpp-run.mjs (node-llama-cpp 3.21.1: CPU,
 * one thread, F32 KV cache). Tests that need it are skipped when node or the package is missing;
 * bench/llamacpp/run-check.sh installs it.
 */
public final class LlamaCpp {
    private static final Path DIR = Path.of("bench", "llamacpp").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private LlamaCpp() {}

    public static void assumeAvailable() {
        Assumptions.assumeTrue(Files.isDirectory(DIR.resolve("node_modules/node-llama-cpp")),
                "node-llama-cpp is not installed in " + DIR + " (run bench/llamacpp/run-check.sh)");
    }

    /** One run; the answer has ok, error, generated, logprobs, tokenized, bench as requested. */
    public static JsonNode run(Map<String, Object> request) {
        assumeAvailable();
        try {
            Path req = Files.createTempFile("llamacpp-req", ".json");
            Files.write(req, JSON.writeValueAsBytes(request));
            Process p = new ProcessBuilder("node", DIR.resolve("llamacpp-run.mjs").toString(), req.toString())
                    .directory(DIR.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("llama.cpp run timed out");
            }
            Files.deleteIfExists(req);
            String text = new String(out, java.nio.charset.StandardCharsets.UTF_8).strip();
            String last = text.substring(text.lastIndexOf('\n') + 1);
            if (!last.startsWith("{"))                     // llama.cpp aborted (GGML_ASSERT) before the runner could answer
                return JSON.createObjectNode().put("ok", false).put("error", "llama.cpp process died with exit code " + p.exitValue());
            return JSON.readTree(last);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run node: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
