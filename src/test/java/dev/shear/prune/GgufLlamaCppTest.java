package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.engine.DType;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.io.GgufArch;
import dev.shear.io.GgufExport;
import dev.shear.io.LlamaCppPlan;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.testing.Golden;
import dev.shear.testing.LlamaCpp;
import dev.shear.testing.ShearRun;
import dev.shear.testing.Slicing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pruned models exported to GGUF run in a real llama.cpp (node-llama-cpp 3.21.1) exactly as in
 * Shear: the same 40 greedy tokens and log-probabilities within 1e-3 (f32). Also the experiments
 * behind {@link LlamaCppPlan}: what llama.cpp's llama and deci architectures honour.
 * Run with {@code mvn -Pllamacpp test} or bench/llamacpp/run-check.sh.
 */
@Tag("llamacpp")
class GgufLlamaCppTest {
    private static final Logger log = LoggerFactory.getLogger(GgufLlamaCppTest.class);
    static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park."
            + " One day, she saw a big dog.";
    static final double F32_TOLERANCE = 1e-3;
    static int[] prompt, sequence;
    static LoadedModel stories;
    @TempDir static Path dir;

    @BeforeAll static void setUp() {
        LlamaCpp.assumeAvailable();
        stories = ModelFolder.load(Golden.storiesBin());
        try (Tokenizer tok = ModelFolder.loadTokenizer(Golden.storiesBin(), null)) {
            prompt = tok.encode("Once upon a time", true, false);
            sequence = tok.encode(STORY, true, false);
        }
    }

    /** What llama.cpp said about one file, next to Shear's answer for the model it should equal. */
    record Comparison(String what, String error, int[] shearTokens, int[] llamaTokens, double maxLogprobDiff) {
        boolean same(double tol) { return error == null && java.util.Arrays.equals(shearTokens, llamaTokens) && maxLogprobDiff <= tol; }
    }

    static Comparison compare(String what, LoadedModel reference, Path gguf) {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("model", gguf.toString());
        req.put("prompt", prompt);
        req.put("generate", 40);
        req.put("score", sequence);
        JsonNode r = LlamaCpp.run(req);
        int[] shear = ShearRun.greedy(reference, prompt, 40);
        if (!r.path("ok").asBoolean()) {
            log.info("{}: llama.cpp refused: {}", what, r.path("error").asText());
            return new Comparison(what, r.path("error").asText(), shear, null, Double.NaN);
        }
        double diff = ShearRun.maxAbsDiff(ShearRun.logprobs(reference, sequence), LlamaCpp.doubles(r.get("logprobs")));
        Comparison c = new Comparison(what, null, shear, LlamaCpp.ints(r.get("generated")), diff);
        log.info("{}: arch {}, greedy {} , max |logprob diff| {}", what, r.path("architecture").asText(),
                java.util.Arrays.equals(c.shearTokens, c.llamaTokens) ? "identical" : "DIFFERENT", String.format("%.2e", diff));
        return c;
    }

    static void assertSame(Comparison c, double tol) {
        assertTrue(c.error() == null, c.what() + ": llama.cpp failed: " + c.error());
        assertArrayEquals(c.shearTokens(), c.llamaTokens(), c.what() + ": greedy tokens");
        assertTrue(c.maxLogprobDiff() <= tol, c.what() + ": log-probabilities differ by " + c.maxLogprobDiff());
    }

    /** Export through the plan (what `shear export` does); returns the plan. */
    static LlamaCppPlan export(LoadedModel m, LlamaCppPlan.Options o, GgufExport.Dtype dtype, Path out) {
        LlamaCppPlan plan = LlamaCppPlan.of(m.config(), o);
        try (Tokenizer tok = ModelFolder.loadTokenizer(Golden.storiesBin(), null)) {
            GgufExport.write(plan.apply(m), tok, plan.arch(), dtype, out);
        }
        plan.report().forEach(l -> log.info("  {}", l));
        return plan;
    }

    /** Export literally, bypassing the plan: for the experiments. */
    static Path literal(LoadedModel m, GgufArch arch, String name) {
        Path out = dir.resolve(name + ".gguf");
        try (Tokenizer tok = ModelFolder.loadTokenizer(Golden.storiesBin(), null)) {
            GgufExport.write(m, tok, arch, GgufExport.Dtype.F32, out);
        }
        return out;
    }

    /** stories260K with random KV groups and MLP channels removed (a different share per layer), compacted. */
    static LoadedModel randomlyPruned(long seed) {
        try (CausalLm model = CausalLm.fromWeights(stories.config(), stories.weights(), DType.F32)) {
            StructureSet set = DependencyGraph.trace(model).structures();
            Random rnd = new Random(seed);
            List<StructureRef> removed = new ArrayList<>();
            for (int g = 0; g < set.groups().size(); g++) {
                double share = rnd.nextDouble() * 0.7;
                for (int s = 0; s < set.groups().get(g).structures().size(); s++)
                    if (rnd.nextDouble() < share) removed.add(new StructureRef(g, s));
            }
            Masking.zero(model, null, set, removed);
            try (CausalLm compact = Compactor.compact(model, set, removed, Map.of())) {
                return new LoadedModel(compact.config(), compact.toHost(), null);
            }
        }
    }

    // ---- what `shear export` produces -------------------------------------------------------------

    @Test void originalStories260kRunsIdentically() {
        Path out = dir.resolve("stories.gguf");
        LlamaCppPlan plan = export(stories, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F32, out);
        assertEquals(GgufArch.LLAMA, plan.arch());
        assertSame(compare("original f32", stories, out), F32_TOLERANCE);
        // llama.cpp's own SentencePiece tokenizer on the exported vocabulary gives Shear's ids (without BOS)
        JsonNode r = LlamaCpp.run(Map.of("model", out.toString(), "text", STORY));
        assertArrayEquals(java.util.Arrays.copyOfRange(sequence, 1, sequence.length), LlamaCpp.ints(r.get("tokenized")));
    }

    @Test void originalF16KeepsGreedyTokens() {
        Path out = dir.resolve("stories-f16.gguf");
        export(stories, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F16, out);
        // reference: Shear on the f16-rounded weights; llama.cpp also rounds activations to f16 in its matmuls
        Comparison c = compare("original f16", ModelFolder.load(out), out);
        assertSame(c, 5e-2);
    }

    @Test void nonUniformPrunedModelRunsAsDeciWithoutPadding() {
        LoadedModel pruned = randomlyPruned(7);
        assertFalse(pruned.config().isUniform(), "the random pruning should leave different widths: " + pruned.config().layers());
        log.info("pruned widths: {}", pruned.config().layers());
        Path out = dir.resolve("pruned.gguf");
        LlamaCppPlan plan = export(pruned, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F32, out);
        assertEquals(GgufArch.DECI, plan.arch());
        assertEquals(0, plan.addedParams());
        assertSame(compare("pruned, deci", pruned, out), F32_TOLERANCE);
    }

    @Test void alignedMlpWidthsKeepTheFunction() {
        LoadedModel pruned = randomlyPruned(7);
        Path out = dir.resolve("pruned-align8.gguf");
        LlamaCppPlan plan = export(pruned, new LlamaCppPlan.Options(null, 8), GgufExport.Dtype.F32, out);
        for (LayerWidths w : plan.target().layers()) assertEquals(0, w.intermediateSize() % 8, "aligned " + w);
        assertTrue(plan.addedParams() > 0);
        assertSame(compare("pruned, MLP aligned to 8", pruned, out), F32_TOLERANCE);    // compared with the unpadded model
    }

    @Test void llamaArchitectureFallbackPadsToUniformLayers() {
        LoadedModel pruned = randomlyPruned(7);
        Path out = dir.resolve("pruned-llama.gguf");
        LlamaCppPlan plan = export(pruned, new LlamaCppPlan.Options(GgufArch.LLAMA, 1), GgufExport.Dtype.F32, out);
        assertTrue(plan.target().isUniform());
        assertSame(compare("pruned, padded to uniform llama", pruned, out), F32_TOLERANCE);
    }

    // ---- experiments: what llama.cpp honours ------------------------------------------------------

    @Test void llamaArchitectureRejectsPerLayerWidths() {
        LoadedModel pruned = randomlyPruned(7);
        Comparison c = compare("experiment: non-uniform as llama", pruned, literal(pruned, GgufArch.LLAMA, "nonuniform-llama"));
        assertTrue(c.error() != null, "llama.cpp's llama architecture loaded a non-uniform model");
    }

    @Test void deciHonoursVaryingGroupSizesAndHeadlessLayers() {
        // layer widths (heads, kv heads, MLP) chosen by hand: group sizes 2, 1, 2, -, 1 and a layer without attention
        LoadedModel sliced = Slicing.slice(stories, new int[][] {{8, 4}, {4, 4}, {4, 2}, {0, 0}, {1, 1}}, new int[] {172, 40, 100, 7, 1});
        Path out = literal(sliced, GgufArch.DECI, "deci-groups");
        assertSame(compare("experiment: deci, group sizes vary, layer 3 headless", sliced, out), F32_TOLERANCE);
    }

    @Test void deciAbortsOnAHeadlessFirstLayerSoThePlanKeepsOneZeroHead() {
        LoadedModel sliced = Slicing.slice(stories, new int[][] {{0, 0}, {8, 4}, {6, 3}, {2, 1}, {8, 4}}, new int[] {64, 172, 172, 30, 172});
        Comparison literal = compare("experiment: deci, layer 0 headless", sliced, literal(sliced, GgufArch.DECI, "deci-head0"));
        assertTrue(literal.error() != null, "llama.cpp loaded a deci model whose layer 0 has no heads");
        Path fixed = dir.resolve("deci-head0-planned.gguf");
        LlamaCppPlan plan = export(sliced, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F32, fixed);
        assertEquals(4L * stories.config().layer(0).headDim() * stories.config().hiddenSize(), plan.addedParams(), "one zero q, k, v and o head");
        assertSame(compare("deci, layer 0 headless, planned (1 zero head)", sliced, fixed), F32_TOLERANCE);
    }

    @Test void deciHonoursHeadlessMiddleAndLastLayers() {
        LoadedModel sliced = Slicing.slice(stories, new int[][] {{8, 4}, {0, 0}, {0, 0}, {2, 1}, {0, 0}}, new int[] {64, 172, 10, 30, 172});
        assertSame(compare("experiment: deci, layers 1, 2, 4 headless", sliced, literal(sliced, GgufArch.DECI, "deci-headless")), F32_TOLERANCE);
    }

    @Test void deciSkipsTheWholeLayerWhenItsMlpIsEmpty() {
        LoadedModel sliced = Slicing.slice(stories, new int[][] {{8, 4}, {8, 4}, {8, 4}, {8, 4}, {8, 4}}, new int[] {172, 172, 0, 172, 172});
        Comparison literal = compare("experiment: deci, layer 2 MLP empty", sliced, literal(sliced, GgufArch.DECI, "deci-ffn0"));
        assertFalse(literal.same(F32_TOLERANCE), "llama.cpp ran the empty-MLP layer's attention");
        // what it ran instead: the model without layer 2 at all
        LoadedModel identity = Slicing.slice(stories, new int[][] {{8, 4}, {8, 4}, {0, 0}, {8, 4}, {8, 4}}, new int[] {172, 172, 0, 172, 172});
        assertSame(new Comparison("deci, layer 2 MLP empty = layer 2 deleted", literal.error(), ShearRun.greedy(identity, prompt, 40),
                literal.llamaTokens(), ShearRun.maxAbsDiff(ShearRun.logprobs(identity, sequence), llamaLogprobs(dir.resolve("deci-ffn0.gguf")))),
                F32_TOLERANCE);
        Path fixed = dir.resolve("deci-ffn0-planned.gguf");
        LlamaCppPlan plan = export(sliced, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F32, fixed);
        assertEquals(3L * stories.config().hiddenSize(), plan.addedParams(), "one zero channel");
        assertSame(compare("deci, layer 2 MLP empty, planned (1 zero channel)", sliced, fixed), F32_TOLERANCE);
    }

    @Test void biasesAreHonoured() {
        LoadedModel biased = Slicing.withRandomBiases(Slicing.slice(stories, new int[][] {{8, 4}, {4, 2}, {8, 4}, {2, 1}, {8, 4}},
                new int[] {172, 50, 172, 90, 172}), 3);
        Path out = dir.resolve("biased.gguf");
        export(biased, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F32, out);
        assertSame(compare("experiment: q/k/v and o/down biases, deci", biased, out), F32_TOLERANCE);
        LoadedModel uniform = Slicing.withRandomBiases(stories, 4);
        Path llama = dir.resolve("biased-llama.gguf");
        assertEquals(GgufArch.LLAMA, export(uniform, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.F32, llama).arch());
        assertSame(compare("experiment: q/k/v and o/down biases, llama", uniform, llama), F32_TOLERANCE);
    }

    static double[] llamaLogprobs(Path gguf) {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("model", gguf.toString());
        req.put("score", sequence);
        return LlamaCpp.doubles(LlamaCpp.run(req).get("logprobs"));
    }
}
