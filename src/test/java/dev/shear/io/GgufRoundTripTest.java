package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.HostTensor;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.WeightNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export to GGUF, load back: the same config, the same weights, the same token ids. */
class GgufRoundTripTest {
    static final List<String> TEXTS = List.of("Once upon a time, there was a little girl named Lily.",
            "  double  spaces\tand a tab", "Ünïcödé ✓ 😀 bytes", "", "a");

    @TempDir Path dir;

    static void assertSameWeights(Map<String, HostTensor> expected, Map<String, HostTensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String n : expected.keySet()) {
            assertArrayEquals(expected.get(n).shape(), actual.get(n).shape(), n);
            assertArrayEquals(expected.get(n).data(), actual.get(n).data(), n);
        }
    }

    static void assertSameIds(Tokenizer expected, Tokenizer actual) {
        assertEquals(expected.vocabSize(), actual.vocabSize());
        for (String t : TEXTS) assertArrayEquals(expected.encode(t, true, false), actual.encode(t, true, false), t);
    }

    @Test void stories260kComesBackIdentical() {
        LoadedModel original = ModelFolder.load(TestData.stories260K());
        Path gguf = dir.resolve("stories.gguf");
        try (Tokenizer tok = ModelFolder.loadTokenizer(TestData.stories260K(), null)) {
            GgufExport.write(original, tok, GgufArch.LLAMA, GgufExport.Dtype.F32, gguf);
            LoadedModel back = ModelFolder.load(gguf);
            assertEquals(original.config(), back.config());
            assertSameWeights(original.weights(), back.weights());
            try (Tokenizer again = ModelFolder.loadTokenizer(gguf, null)) {
                assertSameIds(tok, again);
                Llama2cTokenizer a = (Llama2cTokenizer) tok, b = assertInstanceOf(Llama2cTokenizer.class, again);
                for (int id = 0; id < a.vocabSize(); id++) {
                    assertArrayEquals(a.pieceBytes(id), b.pieceBytes(id), "piece " + id);
                    assertEquals(a.score(id), b.score(id), "score " + id);
                }
            }
        }
    }

    @Test void huggingFaceFolderIsStoredInLlamaCppRopeLayout() {
        LoadedModel original = ModelFolder.load(TestData.stories260K());
        Path hf = dir.resolve("hf"), gguf = dir.resolve("from-hf.gguf");
        try (Tokenizer tok = ModelFolder.loadTokenizer(TestData.stories260K(), null)) {
            ModelFolder.save(original, tok, hf);
        }
        LoadedModel half = ModelFolder.load(hf);
        assertEquals(RopeLayout.HALF, half.config().ropeLayout());
        try (Tokenizer tok = ModelFolder.loadTokenizer(hf, null)) {
            GgufExport.write(half, tok, GgufArch.LLAMA, GgufExport.Dtype.F32, gguf);
        }
        LoadedModel back = ModelFolder.load(gguf);
        assertEquals(original.config(), back.config());                  // ADJACENT again, as llama2.c had it
        assertSameWeights(original.weights(), back.weights());           // the two permutations cancel exactly
    }

    @Test void huggingFaceTokenizerJsonAloneGivesTheSameIds() throws Exception {
        Path hf = dir.resolve("tokonly");
        Files.createDirectories(hf);
        try (Llama2cTokenizer tok = Llama2cTokenizer.read(TestData.tok512(), 512)) {
            HfTokenizer.writeForLlama2c(tok, hf);                          // no tok512.bin beside it: scores come from merge ranks
            LoadedModel stories = ModelFolder.load(TestData.stories260K());
            Path gguf = dir.resolve("hf-tok.gguf");
            try (HfTokenizer json = HfTokenizer.load(hf, 1, 2)) {
                GgufExport.write(stories, json, GgufArch.LLAMA, GgufExport.Dtype.F32, gguf);
            }
            try (Tokenizer back = ModelFolder.loadTokenizer(gguf, null)) {
                assertSameIds(tok, back);
            }
        }
    }

    /** Non-uniform, grouped-query, a headless layer, untied, attention biases: the deci layout. */
    static LoadedModel prunedLike(long seed) {
        List<LayerWidths> layers = List.of(new LayerWidths(4, 2, 8, 24), new LayerWidths(2, 2, 8, 7),
                new LayerWidths(0, 0, 8, 1), new LayerWidths(6, 2, 8, 40));
        ModelConfig c = ModelConfig.llama(32, 24, 4, 4, 2, 300, 64, false).withLayers(layers).withBiases(true, false)
                .withRopeLayout(RopeLayout.ADJACENT);
        Map<String, HostTensor> w = CausalLm.randomWeights(c, seed, 0.5f);
        float[] ones = new float[32];
        java.util.Arrays.fill(ones, 1f);
        w.put(WeightNames.inputNorm(2), HostTensor.of(ones, 32));      // a headless layer's norm is not stored; it reads back as ones
        return new LoadedModel(c, w, null);
    }

    static Llama2cTokenizer tinyTokenizer(int size) {
        List<String> pieces = new java.util.ArrayList<>(List.of("<unk>", "\n<s>\n", "\n</s>\n"));
        for (int b = 0; b < 256; b++) pieces.add(String.format("<0x%02X>", b));
        for (String p : List.of(" ", "a", "b", "ab", " ab", "▁x", "é")) if (pieces.size() < size) pieces.add(p);
        float[] scores = new float[pieces.size()];
        for (int i = 0; i < scores.length; i++) scores[i] = -i;
        return Llama2cTokenizer.of(pieces, scores, "tiny");
    }

    @Test void perLayerWidthsComeBackIdentical() {
        LoadedModel m = prunedLike(3);
        Path gguf = dir.resolve("deci.gguf");
        GgufExport.write(m, tinyTokenizer(300), GgufArch.DECI, GgufExport.Dtype.F32, gguf);
        LoadedModel back = ModelFolder.load(gguf);
        assertEquals(m.config(), back.config());
        assertSameWeights(m.weights(), back.weights());
        GgufFile f = GgufFile.open(gguf);
        assertEquals(List.of(4L, 2L, 0L, 6L), f.get("deci.attention.head_count").list());
        assertEquals(List.of(24L, 7L, 1L, 40L), f.get("deci.feed_forward_length").list());
        assertEquals(8L, f.get("deci.attention.key_length").value());
        assertTrue(f.tensors().keySet().stream().noneMatch(n -> n.startsWith("blk.2.attn")), "headless layer stores no attention");
        assertEquals(300, f.get("tokenizer.ggml.tokens").list().size(), "tokens padded to the model's vocab");
        assertEquals((long) GgufVocab.UNUSED, f.get("tokenizer.ggml.token_type").list().get(299));
    }

    @Test void uniformModelWritesScalarsAndGgufDimensionsInnermostFirst() {
        LoadedModel stories = ModelFolder.load(TestData.stories260K());
        Path gguf = dir.resolve("s.gguf");
        try (Tokenizer tok = ModelFolder.loadTokenizer(TestData.stories260K(), null)) {
            GgufExport.write(stories, tok, GgufArch.LLAMA, GgufExport.Dtype.F32, gguf);
        }
        GgufFile f = GgufFile.open(gguf);
        assertEquals("llama", f.string("general.architecture"));
        assertEquals(GgufValueType.UINT32, f.get("llama.attention.head_count").type());
        assertEquals(4L, f.get("llama.attention.head_count_kv").value());
        assertEquals(172L, f.get("llama.feed_forward_length").value());
        assertEquals(0L, f.get("general.file_type").value());
        assertArrayEquals(new long[] {172, 64}, f.tensors().get("blk.0.ffn_down.weight").dims(), "ne[0] = in_features");
        assertArrayEquals(new long[] {64, 512}, f.tensors().get("token_embd.weight").dims());
        assertTrue(!f.tensors().containsKey("output.weight"), "tied: llama.cpp falls back to token_embd");
        List<?> types = f.get("tokenizer.ggml.token_type").list();
        assertEquals(List.of((long) GgufVocab.UNKNOWN, (long) GgufVocab.CONTROL, (long) GgufVocab.CONTROL, (long) GgufVocab.BYTE),
                types.subList(0, 4));
        assertEquals((long) GgufVocab.NORMAL, types.get(300));
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), f.get("tokenizer.ggml.tokens").list().subList(0, 4));
    }

    @Test void f16StoresMatricesRoundedAndNormsExact() {
        LoadedModel m = prunedLike(5);
        Path gguf = dir.resolve("f16.gguf");
        GgufExport.write(m, tinyTokenizer(300), GgufArch.DECI, GgufExport.Dtype.F16, gguf);
        LoadedModel back = ModelFolder.load(gguf);
        assertEquals(1L, GgufFile.open(gguf).get("general.file_type").value());
        for (Map.Entry<String, HostTensor> e : m.weights().entrySet()) {
            float[] a = e.getValue().data(), b = back.weight(e.getKey()).data();
            boolean matrix = e.getValue().shape().length == 2;
            for (int i = 0; i < a.length; i++)
                assertEquals(matrix ? HalfFloats.roundTo(SafetensorsDType.F16, a[i]) : a[i], b[i], e.getKey() + "[" + i + "]");
        }
    }
}
