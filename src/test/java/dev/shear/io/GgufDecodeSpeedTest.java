package dev.shear.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.testing.LlamaCpp;
import dev.shear.testing.Slicing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch-1 decode speed in llama.cpp of original and pruned GGUF exports, side by side (a
 * measurement, not a pass/fail check; numbers go to the log and docs/llamacpp.md). The GGUF files
 * stay in target/llamacpp-bench for bench/llamacpp/speed.sh. Runs only with -Dshear.bench=true.
 */
@Tag("llamacpp")
class GgufDecodeSpeedTest {
    private static final Logger log = LoggerFactory.getLogger(GgufDecodeSpeedTest.class);
    static final Path OUT = Path.of("target", "llamacpp-bench").toAbsolutePath();
    static final int TOKENS = Integer.getInteger("shear.bench.tokens", 128), REPS = Integer.getInteger("shear.bench.reps", 3);

    @Test void originalVersusPruned() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("shear.bench"), "a measurement: run with -Dshear.bench=true");
        LlamaCpp.assumeAvailable();
        Files.createDirectories(OUT);
        // a 12-layer, 768-wide LLaMA (~110M parameters, random weights: speed does not depend on them)
        ModelConfig big = ModelConfig.llama(768, 2048, 12, 12, 12, 32000, 1024, true).withRopeLayout(dev.shear.model.RopeLayout.ADJACENT);
        LoadedModel original = new LoadedModel(big, CausalLm.randomWeights(big, 1, 0.02f), null);
        int[][] heads = new int[12][];
        int[] mlp = new int[12];
        for (int i = 0; i < 12; i++) {
            int h = 12 - (i % 4) * 2 - (i == 0 || i == 11 ? 0 : 2);      // 4..12 heads, more kept at the ends
            heads[i] = new int[] {h, h};
            mlp[i] = 2048 - 96 * ((i * 7) % 12) - 300;                      // 692..1748 channels, all odd widths
        }
        LoadedModel pruned = Slicing.slice(original, heads, mlp);
        List<Object[]> rows = List.of(
                row("110M original", original, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F32),
                row("110M pruned (deci)", pruned, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F32),
                row("110M pruned, MLP aligned to 64", pruned, new LlamaCppPlan.Options(null, 64), GgufExport.Dtype.F32),
                row("110M pruned, uniform llama", pruned, new LlamaCppPlan.Options(GgufArch.LLAMA, 1), GgufExport.Dtype.F32),
                row("110M original f16", original, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F16),
                row("110M pruned (deci) f16", pruned, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F16));
        log.info("decode speed, batch 1, 1 thread, {} tokens, median of {}:", TOKENS, REPS);
        log.info(String.format("%-34s %9s %9s %8s", "model", "params", "file MB", "tok/s"));
        for (Object[] r : rows) log.info(String.format("%-34s %9.1fM %9.1f %8.1f", r));
    }

    private static Object[] row(String name, LoadedModel m, LlamaCppPlan.Options o, GgufExport.Dtype dtype) throws Exception {
        LlamaCppPlan plan = LlamaCppPlan.of(m.config(), o);
        Path file = OUT.resolve(name.replaceAll("[^A-Za-z0-9]+", "-").toLowerCase() + ".gguf");
        GgufExport.write(plan.apply(m), GgufRoundTripTest.tinyTokenizer(300), plan.arch(), dtype, file);
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("model", file.toString());
        req.put("prompt", new int[] {1});
        req.put("contextSize", TOKENS + 8);
        req.put("bench", Map.of("tokens", TOKENS, "reps", REPS));
        JsonNode r = LlamaCpp.run(req);
        if (!r.path("ok").asBoolean()) throw new AssertionError(name + ": " + r.path("error").asText());
        long params = LlamaCppPlan.params(plan.target());
        return new Object[] {name, params / 1e6, Files.size(file) / 1e6, r.path("bench").path("tokensPerSecond").asDouble()};
    }

}
