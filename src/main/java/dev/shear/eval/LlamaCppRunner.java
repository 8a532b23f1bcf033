package dev.shear.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a GGUF file in llama.cpp through {@code bench/llamacpp/llamacpp-run.mjs} (node-llama-cpp
 * 3.21.1, CPU, F32 KV cache, no flash attention): perplexity windows scored by llama.cpp itself,
 * and batch-1 decode and prefill speed. One node process per request.
 */
public final class LlamaCppRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    /** @param dir the folder holding llamacpp-run.mjs and node_modules (bench/llamacpp) */
    public LlamaCppRunner(Path dir) {
        this.dir = dir.toAbsolutePath();
        if (!installed(dir))
            throw new IllegalArgumentException(dir.resolve("node_modules/node-llama-cpp") + " not found: run bench/llamacpp/run-check.sh"
                    + " (installs node-llama-cpp 3.21.1 with npm), or pass the folder that has it");
    }

    public static boolean installed(Path dir) {
        return Files.isRegularFile(dir.resolve("llamacpp-run.mjs")) && Files.isDirectory(dir.resolve("node_modules/node-llama-cpp"));
    }

    /** One run; the answer has ok and error, plus generated, logprobs, tokenized, nll, bench as requested. */
    public JsonNode run(Map<String, Object> request) {
        Path req = null;
        try {
            req = Files.createTempFile("llamacpp-req", ".json");
            Files.write(req, JSON.writeValueAsBytes(request));
            Process p = new ProcessBuilder("node", dir.resolve("llamacpp-run.mjs").toString(), req.toString())
                    .directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(3600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("llama.cpp run timed out");
            }
            String text = new String(out, StandardCharsets.UTF_8).strip();
            String last = text.substring(text.lastIndexOf('\n') + 1);
            if (!last.startsWith("{"))                     // llama.cpp aborted (GGML_ASSERT) before the runner could answer
                return JSON.createObjectNode().put("ok", false).put("error", "llama.cpp process died with exit code " + p.exitValue());
            return JSON.readTree(last);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run node (" + e.getMessage() + "); Node.js 20+ must be on the PATH", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (req != null) req.toFile().delete();
        }
    }

    private JsonNode ok(Path gguf, Map<String, Object> request) {
        JsonNode r = run(request);
        if (!r.path("ok").asBoolean()) throw new IllegalStateException(gguf + ": llama.cpp failed: " + r.path("error").asText());
        return r;
    }

    /** Summed negative log-likelihood and the number of tokens it covers. */
    public record Nll(double sum, long tokens) {
        public double ppl() { return Math.exp(sum / tokens); }
    }

    /** Scores every window (each token from the second on, given the window's earlier tokens). */
    public Nll nll(Path gguf, List<int[]> windows, int contextSize, int threads) {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("model", gguf.toAbsolutePath().toString());
        req.put("nll", windows);
        req.put("contextSize", contextSize);
        req.put("threads", threads);
        double sum = 0;
        long n = 0;
        for (JsonNode w : ok(gguf, req).get("nll")) {
            sum += w.get("sum").asDouble();
            n += w.get("count").asLong();
        }
        return new Nll(sum, n);
    }

    /** Batch-1 tokens/s: decoding (after the first generated token) and prefilling {@code prompt}; medians of reps. */
    public record Speed(double decode, double prefill) {}

    public Speed speed(Path gguf, int[] prompt, int decodeTokens, int reps, int threads) {
        Map<String, Object> bench = new LinkedHashMap<>();
        bench.put("tokens", decodeTokens);
        bench.put("reps", reps);
        bench.put("prefill", prompt);
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("model", gguf.toAbsolutePath().toString());
        req.put("prompt", new int[] {prompt[0]});
        req.put("threads", threads);
        req.put("contextSize", Math.max(prompt.length, decodeTokens) + 8);
        req.put("bench", bench);
        JsonNode b = ok(gguf, req).get("bench");
        return new Speed(b.get("tokensPerSecond").asDouble(), b.get("prefillTokensPerSecond").asDouble());
    }
}
