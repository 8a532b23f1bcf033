package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.testing.Families;
import dev.shear.testing.Golden;
import dev.shear.testing.Slicing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shear's quantized GGUF against llama.cpp's own quantizer: Shear writes the model once as f32 and
 * once quantized; llama.cpp's llama_model_quantize (the libllama of node-llama-cpp 3.21.1, called
 * by bench/llamacpp/quantize.py, no importance matrix) quantizes the f32 file. Every tensor must
 * have the same type, shape and bytes. Needs node-llama-cpp installed and python3.
 */
@Tag("llamacpp")
class GgufQuantizeMatchesLlamaCppTest {
    private static final Logger log = LoggerFactory.getLogger(GgufQuantizeMatchesLlamaCppTest.class);
    private static final Path SCRIPT = Path.of("bench", "llamacpp", "quantize.py").toAbsolutePath();
    @TempDir static Path dir;
    static LoadedModel stories;

    @BeforeAll static void setUp() {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("bench/llamacpp/node_modules/node-llama-cpp")), "node-llama-cpp is not installed");
        stories = ModelFolder.load(Golden.storiesBin());
    }

    /**
     * llama.cpp's quantize arguments that reproduce each of Shear's mixes. q4_k (every matrix Q4_K,
     * the output Q6_K) is --pure with an output type; an explicit type skips llama.cpp's row-fit
     * fallback (Q6_K on rows of 64 corrupts its heap), so the test passes the type the fallback gives.
     */
    static List<String> llamaArgs(GgufExport.Dtype d, ModelConfig c) {
        String output = c.hiddenSize() % 256 == 0 ? "q6_k" : "q8_0";
        return switch (d) {
            case Q8_0 -> List.of("q8_0");
            case Q4_0 -> List.of("q4_0");
            case Q4_K_M -> List.of("q4_k_m");
            case Q4_K -> List.of("q4_k_m", "--pure", c.tiedEmbeddings() ? "--embd-type" : "--output-type", output);
            default -> throw new IllegalArgumentException(d.toString());
        };
    }

    static void compare(String what, LoadedModel m, LlamaCppPlan.Options o, GgufExport.Dtype dtype) throws Exception {
        compare(what, m, Golden.storiesBin(), o, dtype);
    }

    /** @param tokenizer a model file or folder whose tokenizer the files carry */
    static void compare(String what, LoadedModel m, Path tokenizer, LlamaCppPlan.Options o, GgufExport.Dtype dtype) throws Exception {
        Path f32 = dir.resolve(what + "-f32.gguf"), ours = dir.resolve(what + "-" + dtype + ".gguf"), theirs = dir.resolve(what + "-" + dtype + "-llama.gguf");
        try (Tokenizer tok = ModelFolder.loadTokenizer(tokenizer, null)) {
            if (!Files.exists(f32)) GgufExport.forLlamaCpp(m, tok, o, GgufExport.Dtype.F32, f32);
            GgufExport.forLlamaCpp(m, tok, o, dtype, ours);
        }
        List<String> cmd = new ArrayList<>(List.of("python3", SCRIPT.toString(), f32.toString(), theirs.toString()));
        cmd.addAll(llamaArgs(dtype, m.config()));
        quantize(cmd);
        GgufFile a = GgufFile.open(ours), b = GgufFile.open(theirs);
        assertEquals(b.tensors().keySet().stream().sorted().toList(), a.tensors().keySet().stream().sorted().toList(), what + ": tensor names");
        for (GgufFile.TensorInfo t : a.tensors().values()) {
            GgufFile.TensorInfo u = b.tensors().get(t.name());
            assertEquals(u.type(), t.type(), what + " " + dtype + ": " + t.name() + " type");
            assertArrayEquals(u.dims(), t.dims(), what + " " + dtype + ": " + t.name() + " shape");
            assertArrayEquals(b.rawBytes(t.name()), a.rawBytes(t.name()), what + " " + dtype + ": " + t.name() + " bytes");
        }
        log.info("{} {}: {} tensors identical to llama.cpp's quantizer ({} bytes of tensor data)", what, dtype, a.tensors().size(),
                a.tensors().values().stream().mapToLong(GgufFile.TensorInfo::bytes).sum());
    }

    private static void quantize(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(600, TimeUnit.SECONDS)) throw new IllegalStateException("llama.cpp quantize timed out");
        Assumptions.assumeTrue(p.exitValue() != 2, "llama.cpp's libllama is not installed");
        if (p.exitValue() != 0) throw new IllegalStateException("llama.cpp quantize failed: " + new String(out));
    }

    static final GgufExport.Dtype[] ALL = {GgufExport.Dtype.Q8_0, GgufExport.Dtype.Q4_0, GgufExport.Dtype.Q4_K, GgufExport.Dtype.Q4_K_M};

    @Test void stories260kMixesEqualLlamaCpps() throws Exception {
        for (GgufExport.Dtype d : ALL) compare("stories", stories, LlamaCppPlan.Options.AUTO, d);
    }

    @Test void perLayerPrunedMixesEqualLlamaCpps() throws Exception {
        LoadedModel pruned = Slicing.slice(stories, new int[][] {{8, 4}, {4, 2}, {6, 3}, {0, 0}, {2, 1}}, new int[] {172, 128, 70, 96, 33});
        for (GgufExport.Dtype d : ALL) compare("pruned", pruned, LlamaCppPlan.Options.AUTO, d);
    }

    /** Each family's own llama.cpp architecture (fused qkv for phi3, q/k norms, Gemma's tied output), every matrix in its nominal type. */
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "mistral", "qwen2", "qwen2-untied", "qwen3", "gemma2", "gemma3", "phi3"})
    void familyMixesEqualLlamaCpps(String family) throws Exception {
        LoadedModel m = Families.widened(family, 3);
        for (GgufExport.Dtype d : ALL) compare(family, m, Families.folder(family), LlamaCppPlan.Options.AUTO, d);
    }

    /**
     * Why Shear refuses q4_k_m for models llama.cpp classes as 70B: on an 80-layer llama with grouped
     * KV heads (small widths, llama.cpp classes by layer count), llama.cpp's own Q4_K_M stores attn_v
     * as Q5_K (ggml type 13) outside the use_more_bits layers, a type Shear neither writes nor reads.
     */
    @Test void q4_k_mOfA70bClassModelNeedsQ5_kInLlamaCpp() throws Exception {
        ModelConfig c = ModelConfig.llama(256, 256, 80, 4, 2, 256, 64, false);
        Path f32 = dir.resolve("l80-f32.gguf"), theirs = dir.resolve("l80-q4_k_m-llama.gguf");
        GgufExport.write(new LoadedModel(c, CausalLm.randomWeights(c, 1, 0.1f), null), null, GgufArch.LLAMA, GgufExport.Dtype.F32, f32);
        quantize(List.of("python3", SCRIPT.toString(), f32.toString(), theirs.toString(), "q4_k_m"));
        ShearFormatException e = org.junit.jupiter.api.Assertions.assertThrows(ShearFormatException.class, () -> GgufFile.open(theirs));
        assertTrue(e.getMessage().contains("attn_v.weight has ggml type 13"), e.getMessage());
        IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GgufExport.requireWritable(c, GgufArch.LLAMA, GgufExport.Dtype.Q4_K_M));
        assertTrue(refused.getMessage().contains("Q5_K"), refused.getMessage());
    }

    @Test void random512AlignedTo256MixesEqualLlamaCpps() throws Exception {
        ModelConfig cfg = ModelConfig.llama(512, 1376, 4, 8, 4, 32000, 512, false);
        LoadedModel dense;
        try (CausalLm random = CausalLm.random(cfg, 5, DType.F32)) {
            dense = new LoadedModel(cfg, random.toHost(), null);
        }
        LoadedModel pruned = Slicing.slice(dense, new int[][] {{8, 4}, {4, 2}, {8, 4}, {4, 4}}, new int[] {1376, 700, 1000, 300});
        for (GgufExport.Dtype d : new GgufExport.Dtype[] {GgufExport.Dtype.Q4_K, GgufExport.Dtype.Q4_K_M, GgufExport.Dtype.Q8_0})
            compare("random512", pruned, new LlamaCppPlan.Options(null, 256), d);
    }
}
