package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.model.ModelConfig;
import dev.shear.testing.Families;
import dev.shear.testing.LlamaCpp;
import dev.shear.testing.ShearRun;
import dev.shear.testing.Slicing;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every family's GGUF in a real llama.cpp (node-llama-cpp 3.21.1): the architecture the plan picks,
 * log-probabilities of a sequence within 1e-3 of Shear's (f32; 5e-3 for Gemma, whose GELU ggml looks up
 * in an fp16 table), the same greedy tokens, and
 * llama.cpp's own tokenizer giving Shear's ids. Windows are widened past the test sequence where
 * llama.cpp does not apply them (llama, phi3), and Gemma 2's score scale set to llama.cpp's.
 * Run with {@code mvn -Pllamacpp test} or bench/llamacpp/run-check.sh.
 */
@Tag("llamacpp")
class FamiliesLlamaCppTest {
    private static final Logger log = LoggerFactory.getLogger(FamiliesLlamaCppTest.class);
    private static final double TOL = 1e-3, GELU_TABLE_TOL = 5e-3, QUANTIZED_TOL = 0.5;
    private static final String TEXT = "the cat sat on the mat and the dog ran";
    @TempDir static Path dir;

    @BeforeAll static void available() { LlamaCpp.assumeAvailable(); }

    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({"llama3, llama", "llama-linear, llama", "mistral, llama", "qwen2, qwen2", "qwen2-untied, qwen2", "qwen3, qwen3",
            "gemma2, gemma2", "gemma3, gemma3", "phi3, phi3"})
    void runsInLlamaCppAsInShear(String name, String arch) {
        check(name, llamaCppReady(ModelFolder.load(Families.folder(name))), arch);
    }

    @Test void prunedLayersRunThroughDeciOrPadded() {
        for (String[] c : new String[][] {{"llama3", "deci"}, {"qwen2", "deci"}, {"qwen3", "qwen3"}, {"gemma3", "gemma3"}}) {
            LoadedModel m = llamaCppReady(ModelFolder.load(Families.folder(c[0])));
            check(c[0] + "-pruned", Slicing.firstLayerPruned(m, 37), c[1]);
        }
    }

    /** Sliding windows llama.cpp's llama and phi3 graphs ignore are widened past the test; Gemma 2 scores by head_dim^-0.5 there. */
    private static LoadedModel llamaCppReady(LoadedModel m) {
        ModelConfig c = m.config();
        var f = c.features();
        boolean applies = f.sandwichNorms();                              // gemma2 / gemma3 run their windows
        if (f.slidingWindow() > 0 && !applies) f = f.withSlidingWindow(c.maxSeqLen(), f.slidingLayers(), f.localRopeTheta());
        if (c.family() == dev.shear.model.Family.GEMMA2) f = f.withQueryPreAttnScalar(c.layer(0).headDim());
        return new LoadedModel(c.withFeatures(f), m.weights(), m.source());
    }

    private void check(String name, LoadedModel m, String arch) {
        String fixture = name.replace("-pruned", "");
        LlamaCppPlan plan = LlamaCppPlan.of(m.config(), LlamaCppPlan.Options.AUTO);
        assertEquals(arch, plan.arch().key, name + ": " + plan.report());
        Path out = dir.resolve(name + ".gguf");
        int[] sequence = Families.ints(Families.golden(fixture).get("tokens")), prompt = Arrays.copyOf(sequence, 4);
        try (Tokenizer tok = ModelFolder.loadTokenizer(Families.folder(fixture), null)) {
            GgufExport.forLlamaCpp(m, tok, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F32, out);
            JsonNode r = LlamaCpp.run(Map.of("model", out.toString(), "text", TEXT, "contextSize", 32));
            assertTrue(r.path("ok").asBoolean(), name + ": llama.cpp failed: " + r.path("error").asText());
            assertArrayEquals(tok.encode(TEXT, false, false), LlamaCpp.ints(r.get("tokenized")), name + ": llama.cpp's tokenizer");
        }
        JsonNode r = score(name, out, arch, prompt, sequence);
        double diff = ShearRun.maxAbsDiff(ShearRun.logprobs(m, sequence), LlamaCpp.doubles(r.get("logprobs")));
        boolean lengthRope = m.config().features().ropeScaling().lengthDependent();
        int[] shear = ShearRun.greedy(m, prompt, 8);
        log.info("{} as {}: max |logprob diff| {}, greedy {}", name, arch, String.format("%.2e", diff),
                Arrays.equals(shear, LlamaCpp.ints(r.get("generated"))) ? "identical" : "DIFFERENT");
        double tol = m.config().features().activation() == dev.shear.model.Activation.GELU_TANH ? GELU_TABLE_TOL : TOL;
        assertTrue(diff <= tol, name + ": log-probabilities differ by " + diff);
        // LongRoPE: llama.cpp picks the long factors by context size, Shear (as transformers) by the pass's length
        if (!lengthRope) assertArrayEquals(shear, LlamaCpp.ints(r.get("generated")), name + ": greedy tokens");
    }

    /**
     * Every family's quantized files in its own architecture: the fixture widened so that every
     * matrix takes its nominal type (hidden 256, heads of 64, MLP 512, random weights), written as
     * q8_0 and q4_k_m. llama.cpp loads and runs each; its log-probabilities are compared with Shear's
     * on the weights Shear reads back from the same file. llama.cpp also rounds the activations of
     * its matrix products to 8 bits (docs/llamacpp.md), so they agree within 0.5, not 1e-3.
     */
    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource({"llama3, llama", "mistral, llama", "qwen2, qwen2", "qwen3, qwen3", "gemma2, gemma2", "gemma3, gemma3", "phi3, phi3"})
    void quantizedFilesRunInLlamaCpp(String name, String arch) {
        LoadedModel m = llamaCppReady(Families.widened(name, 13));
        int[] sequence = Families.ints(Families.golden(name).get("tokens")), prompt = Arrays.copyOf(sequence, 4);
        for (GgufExport.Dtype d : new GgufExport.Dtype[] {GgufExport.Dtype.Q8_0, GgufExport.Dtype.Q4_K_M}) {
            Path out = dir.resolve(name + "-" + d + ".gguf");
            GgufExport.Written w;
            try (Tokenizer tok = ModelFolder.loadTokenizer(Families.folder(name), null)) {
                w = GgufExport.forLlamaCpp(m, tok, LlamaCppPlan.Options.AUTO, d, out);
            }
            assertEquals(arch, w.plan().arch().key, name);
            LoadedModel read = ModelFolder.load(out);
            JsonNode r = score(name + " " + d, out, arch, prompt, sequence);
            double[] shear = ShearRun.logprobs(read, sequence);
            double diff = ShearRun.maxAbsDiff(shear, LlamaCpp.doubles(r.get("logprobs")));
            double rounding = ShearRun.maxAbsDiff(ShearRun.logprobs(m, sequence), shear);
            log.info("{} {} as {}: {} bits per value; max |logprob diff| {} vs Shear on the read-back weights (weight rounding itself {}), greedy {}",
                    name, d, arch, String.format("%.2f", w.summary().bitsPerValue()), String.format("%.2e", diff), String.format("%.2e", rounding),
                    Arrays.equals(ShearRun.greedy(read, prompt, 8), LlamaCpp.ints(r.get("generated"))) ? "identical" : "different");
            assertTrue(diff <= QUANTIZED_TOL, name + " " + d + ": log-probabilities differ by " + diff);
        }
    }

    /** llama.cpp's greedy tokens from the prompt and log-probabilities of the sequence. */
    private static JsonNode score(String what, Path gguf, String arch, int[] prompt, int[] sequence) {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("model", gguf.toString());
        req.put("contextSize", 32);
        req.put("prompt", prompt);
        req.put("generate", 8);
        req.put("score", sequence);
        JsonNode r = LlamaCpp.run(req);
        assertTrue(r.path("ok").asBoolean(), what + ": llama.cpp failed: " + r.path("error").asText());
        assertEquals(arch, r.path("architecture").asText(), what);
        return r;
    }
}
