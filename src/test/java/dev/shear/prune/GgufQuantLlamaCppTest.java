package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.io.GgufExport;
import dev.shear.io.GgufQuantMix;
import dev.shear.io.LlamaCppPlan;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.testing.Golden;
import dev.shear.testing.LlamaCppArithmetic;
import dev.shear.testing.ShearRun;
import dev.shear.testing.Slicing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quantized GGUF files from Shear run in a real llama.cpp (node-llama-cpp 3.21.1): the original
 * stories260K, a per-layer-pruned one (deci, with F16 fallbacks for rows that are not whole
 * blocks), and a random 4-layer, 512-wide model pruned to per-layer widths and aligned to 256 so
 * that every matrix fits Q4_K. Each file is compared with Shear's forward pass on the weights Shear
 * reads back from it (dequantized to fp32).
 *
 * <p>llama.cpp does not compute that fp32 model: its CPU matrix products quantize the activations
 * too (to Q8_0 for Q8_0/Q4_0/Q5_0 weights, to Q8_K for Q4_K/Q6_K, to binary16 for F16), which moves
 * log-probabilities by 1e-2 to 3e-1 on these models. {@link LlamaCppArithmetic} adds that rounding
 * to the dequantized model; where no activation sits at a rounding boundary, llama.cpp then agrees
 * to about 1e-6. Where one does, float summation order decides the rounding, and two emulations
 * that differ only in summation order disagree by as much as llama.cpp does (logged as the
 * emulation spread), so no fixed tolerance like 1e-3 can hold per file. The assertions: every file
 * loads; Q8_0 gives Shear's greedy tokens; every file's log-probabilities stay within 0.5 of Shear's
 * dequantized model; the plain-Java forward pass is Shear's model (1e-4); and over all files, at
 * least half the positions agree with the emulation within 1e-4, four times as many as agree with
 * the unrounded model. The byte-level check against llama.cpp's own quantizer is
 * {@code GgufQuantizeMatchesLlamaCppTest}.
 */
@Tag("llamacpp")
class GgufQuantLlamaCppTest {
    private static final Logger log = LoggerFactory.getLogger(GgufQuantLlamaCppTest.class);
    static final double EXACT = 1e-4, ACTIVATION_ROUNDING = 0.5;
    static final GgufExport.Dtype[] QUANTIZED = {GgufExport.Dtype.Q8_0, GgufExport.Dtype.Q4_0, GgufExport.Dtype.Q4_K, GgufExport.Dtype.Q4_K_M};
    @TempDir static Path dir;

    @BeforeAll static void setUp() { GgufLlamaCppTest.setUp(); }

    /** One file's outcome; counts are positions (of the scored story) agreeing within {@link #EXACT}. */
    record Result(String what, GgufExport.Dtype dtype, String error, boolean greedySame, double vsShear, double vsEmulated,
                  double emulationSpread, double emulationVsShear, double quantizationEffect, int positions, int agreeEmulated, int agreeShear) {
        String row() {
            return String.format("| %s | %s | %s | %s | %.1e | %.1e | %.1e | %d/%d | %d/%d | %.1e |", what, dtype, error == null ? "runs" : "FAILS: " + error,
                    greedySame ? "identical" : "different", vsShear, vsEmulated, emulationSpread, agreeEmulated, positions, agreeShear, positions,
                    quantizationEffect);
        }
    }

    /** Exports through the plan, runs llama.cpp, Shear and the emulations on the file's own (dequantized) weights. */
    static Result check(String what, LoadedModel m, LlamaCppPlan.Options o, GgufExport.Dtype dtype) {
        Path out = dir.resolve(what.replaceAll("[^a-z0-9]+", "-") + "-" + dtype + ".gguf");
        LlamaCppPlan plan = LlamaCppPlan.of(m.config(), o);
        List<GgufQuantMix.Choice> types;
        try (Tokenizer tok = ModelFolder.loadTokenizer(Golden.storiesBin(), null)) {
            types = GgufExport.write(plan.apply(m), tok, plan.arch(), dtype, out);
        }
        LoadedModel read = ModelFolder.load(out);
        int[] seq = GgufLlamaCppTest.sequence;
        GgufLlamaCppTest.Comparison plain = GgufLlamaCppTest.compare(what + ", " + dtype, read, out);
        double[] shear = ShearRun.logprobs(read, seq);
        double effect = ShearRun.maxAbsDiff(ShearRun.logprobs(m, seq), shear);
        double emulationVsShear = ShearRun.maxAbsDiff(LlamaCppArithmetic.logprobs(read, Map.of(), seq), shear);
        if (plain.error() != null)
            return new Result(what, dtype, plain.error(), false, Double.NaN, Double.NaN, Double.NaN, emulationVsShear, effect, 0, 0, 0);
        Map<String, LlamaCppArithmetic.Activation> acts = new HashMap<>();
        for (GgufQuantMix.Choice c : types) acts.put(c.tensor(), LlamaCppArithmetic.Activation.forWeight(c.type().name()));
        double[] em = LlamaCppArithmetic.logprobs(read, acts, seq);
        double[] em2 = LlamaCppArithmetic.logprobs(read, acts, seq, LlamaCppArithmetic.Sums.FLOAT_REVERSED);
        double[] ll = GgufLlamaCppTest.llamaLogprobs(out);
        int agreeEm = 0, agreeShear = 0;
        for (int t = 0; t < ll.length; t++) {
            if (Math.abs(ll[t] - em[t]) <= EXACT) agreeEm++;
            if (Math.abs(ll[t] - shear[t]) <= EXACT) agreeShear++;
        }
        Result r = new Result(what, dtype, null, java.util.Arrays.equals(plain.shearTokens(), plain.llamaTokens()), plain.maxLogprobDiff(),
                ShearRun.maxAbsDiff(em, ll), ShearRun.maxAbsDiff(em, em2), emulationVsShear, effect, ll.length, agreeEm, agreeShear);
        log.info("{}", r.row());
        return r;
    }

    /** The 4-layer, 512-wide bench config with random weights, sliced to per-layer widths; MLPs aligned to 256 by the plan. */
    static LoadedModel random512Pruned() {
        ModelConfig cfg = ModelConfig.llama(512, 1376, 4, 8, 4, 32000, 512, false);
        LoadedModel dense;
        try (CausalLm random = CausalLm.random(cfg, 5, DType.F32)) {
            dense = new LoadedModel(cfg, random.toHost(), null);
        }
        return Slicing.slice(dense, new int[][] {{8, 4}, {4, 2}, {8, 4}, {4, 4}}, new int[] {1376, 700, 1000, 300});
    }

    static final LlamaCppPlan.Options ALIGN_256 = new LlamaCppPlan.Options(null, 256);

    @Test void everyQuantizedFileRunsInLlamaCpp() {
        LoadedModel pruned = GgufLlamaCppTest.randomlyPruned(7), random = random512Pruned();
        assertFalse(pruned.config().isUniform());
        for (LayerWidths w : LlamaCppPlan.of(random.config(), ALIGN_256).target().layers()) assertEquals(0, w.intermediateSize() % 256);
        List<Result> results = new ArrayList<>();
        for (GgufExport.Dtype d : QUANTIZED) results.add(check("stories260K", GgufLlamaCppTest.stories, LlamaCppPlan.Options.AUTO, d));
        for (GgufExport.Dtype d : QUANTIZED) results.add(check("pruned stories260K (deci)", pruned, LlamaCppPlan.Options.AUTO, d));
        for (GgufExport.Dtype d : QUANTIZED) results.add(check("random 512, pruned, aligned to 256 (deci)", random, ALIGN_256, d));
        log.info("| model | dtype | llama.cpp | greedy (40) | max diff vs Shear dequantized | vs emulation | emulation spread | positions within 1e-4 of emulation | of Shear | quantization itself |");
        results.forEach(r -> log.info("{}", r.row()));
        int positions = 0, agreeEm = 0, agreeShear = 0;
        for (Result r : results) {
            assertTrue(r.error() == null, r.what() + " " + r.dtype() + ": llama.cpp failed: " + r.error());
            assertTrue(r.emulationVsShear() <= EXACT, r.what() + ": the plain-Java forward pass differs from Shear by " + r.emulationVsShear());
            if (r.dtype() == GgufExport.Dtype.Q8_0) assertTrue(r.greedySame(), r.what() + " Q8_0: greedy tokens differ from Shear's");
            assertTrue(r.vsShear() <= ACTIVATION_ROUNDING, r.what() + " " + r.dtype() + ": log-probabilities differ by " + r.vsShear());
            positions += r.positions();
            agreeEm += r.agreeEmulated();
            agreeShear += r.agreeShear();
        }
        log.info("positions within {} of the emulation: {}/{}; of Shear's dequantized model: {}/{}", EXACT, agreeEm, positions, agreeShear, positions);
        assertTrue(agreeEm >= positions / 2, "llama.cpp agrees with the emulation at only " + agreeEm + " of " + positions + " positions");
        assertTrue(4 * agreeShear <= agreeEm, "llama.cpp agrees with the unrounded model at " + agreeShear + " of " + positions
                + " positions, with the emulation at only " + agreeEm);
    }

    @Test void random512AlignedTo256IsPureQ4K() {
        LoadedModel pruned = random512Pruned();
        LlamaCppPlan plan = LlamaCppPlan.of(pruned.config(), ALIGN_256);
        List<GgufQuantMix.Choice> types;
        try (Tokenizer tok = ModelFolder.loadTokenizer(Golden.storiesBin(), null)) {
            types = GgufExport.write(plan.apply(pruned), tok, plan.arch(), GgufExport.Dtype.Q4_K, dir.resolve("k-only.gguf"));
        }
        for (GgufQuantMix.Choice c : types) {
            assertFalse(c.fellBack(), c.tensor() + " fell back to " + c.type());
            if (c.shape().length == 2) assertEquals(c.tensor().equals("output.weight") ? "Q6_K" : "Q4_K", c.type().name(), c.tensor());
        }
    }
}
