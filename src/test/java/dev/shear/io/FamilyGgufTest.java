package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.testing.Families;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GGUF export per family, read back by Shear: the architecture the plan picks, the same logits
 * (llama/deci store q/k permuted, Gemma stores 1 + w, Phi-3 fuses; all undone on reading), and a
 * one-line error for what llama.cpp cannot hold.
 */
class FamilyGgufTest {
    @TempDir Path dir;

    @ParameterizedTest
    @CsvSource({"llama3, llama", "llama-linear, llama", "llama-dynamic, llama", "mistral, llama", "qwen2, qwen2", "qwen2-untied, qwen2",
            "qwen3, qwen3", "gemma3, gemma3", "phi3, phi3"})
    void exportsToTheFamilysArchitectureAndReadsBackTheSameLogits(String name, String arch) {
        LoadedModel m = ModelFolder.load(Families.folder(name));
        roundTrip(name, m, arch, GgufExport.Dtype.F32, 1e-6);
    }

    @Test void gemma2WithLlamaCppsScoreScaleRoundTrips() {
        LoadedModel m = ModelFolder.load(Families.folder("gemma2"));
        ModelConfig c = m.config();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LlamaCppPlan.of(c, LlamaCppPlan.Options.AUTO));
        assertTrue(e.getMessage().contains("query_pre_attn_scalar 24.0 (llama.cpp's gemma2 scales scores by 16.0^-0.5)"), e.getMessage());
        LoadedModel scaled = new LoadedModel(c.withFeatures(c.features().withQueryPreAttnScalar(16)), m.weights(), m.source());
        roundTrip("gemma2", scaled, "gemma2", GgufExport.Dtype.F32, 1e-6);
        roundTrip("gemma2", scaled, "gemma2", GgufExport.Dtype.F16, 5e-3);
    }

    @Test void prunedLayersGoToDeciOrArePaddedWhereTheFamilyHasNoPerLayerArchitecture() {
        for (String name : List.of("llama3", "qwen2", "phi3", "qwen3", "gemma3")) {   // deci for the LLaMA-like, padding for the others
            LoadedModel m = ModelFolder.load(Families.folder(name));
            LoadedModel sliced = dev.shear.testing.Slicing.firstLayerPruned(m, 50);
            boolean llamaMath = name.equals("llama3") || name.equals("qwen2");         // this Phi-3 rotates half of each head: no deci
            LlamaCppPlan plan = roundTrip(name, sliced, llamaMath ? "deci" : name, GgufExport.Dtype.F32, 1e-6);
            assertEquals(llamaMath, plan.addedParams() == 0, name + ": " + plan.report());
        }
    }

    @Test void unsupportedTargetsAreOneLineErrors() {
        ModelConfig qwen3 = ModelFolder.loadConfig(Families.folder("qwen3"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LlamaCppPlan.of(qwen3, new LlamaCppPlan.Options(GgufArch.DECI, 1)));
        assertEquals("--arch deci: Qwen3ForCausalLM's block (q/k norms, Gemma norms, GeGLU or soft-caps) is not llama.cpp's llama/deci graph; "
                + "use --arch qwen3", e.getMessage());
        ModelConfig phi3 = ModelFolder.loadConfig(Families.folder("phi3"));
        e = assertThrows(IllegalArgumentException.class, () -> LlamaCppPlan.of(phi3, new LlamaCppPlan.Options(GgufArch.DECI, 1)));
        assertTrue(e.getMessage().contains("partial rotary 0.5"), e.getMessage());
    }

    /** Export through the plan, read back, compare logits with the model the plan was given. */
    private LlamaCppPlan roundTrip(String name, LoadedModel m, String arch, GgufExport.Dtype dtype, double tol) {
        LlamaCppPlan plan = LlamaCppPlan.of(m.config(), LlamaCppPlan.Options.AUTO);
        assertEquals(arch, plan.arch().key, name + ": " + plan.report());
        Path out = dir.resolve(name + "-" + dtype + ".gguf");
        try (Tokenizer tok = ModelFolder.loadTokenizer(Families.folder(name), null)) {
            GgufExport.write(plan.apply(m), tok, plan.arch(), dtype, out);
        }
        LoadedModel back = ModelFolder.load(out);
        assertEquals(m.config().family(), back.config().family(), name);
        assertEquals(m.config().features(), back.config().features(), name);
        int[] ids = java.util.Arrays.copyOf(Families.ints(Families.golden(name).get("tokens")), 10);
        try (CausalLm a = CausalLm.fromWeights(m.config(), m.weights(), DType.F32); CausalLm b = CausalLm.fromWeights(back.config(), back.weights(), DType.F32)) {
            double d = Families.relDiff(Families.logits(a, ids), Families.logits(b, ids));
            assertTrue(d <= tol, name + " via " + arch + " " + dtype + ": logits differ by " + d);
        }
        return plan;
    }
}
