package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.shear.engine.HostTensor;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.RopePermutation;
import dev.shear.model.WeightNames;
import dev.shear.model.WeightNames.Linear;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {
    @TempDir Path tmp;

    @Test void stories260KSavedAsHuggingFacePermutesOnlyQueryAndKeyRows() throws Exception {
        LoadedModel original = ModelFolder.load(TestData.stories260K());
        Path out = tmp.resolve("stories260K-hf");
        try (Tokenizer tok = ModelFolder.loadTokenizer(TestData.stories260K(), null)) {
            assertTrue(tok instanceof Llama2cTokenizer, tok.describe());
            ModelFolder.save(original, tok, out);
        }
        LoadedModel saved = ModelFolder.load(out);
        assertEquals(original.config().withRopeLayout(RopeLayout.HALF), saved.config());
        assertEquals(original.weights().keySet(), saved.weights().keySet());
        for (String name : original.weights().keySet()) {
            float[] before = original.weight(name).data(), after = saved.weight(name).data();
            boolean qk = name.endsWith("q_proj.weight") || name.endsWith("k_proj.weight");
            if (!qk) {
                assertArrayEquals(before, after, name);
                continue;
            }
            int heads = name.endsWith("q_proj.weight") ? 8 : 4;
            assertFalse(java.util.Arrays.equals(before, after), name + " must be permuted");
            assertArrayEquals(RopePermutation.adjacentToHalf(original.weight(name), heads, 8).data(), after, name);
        }
    }

    @Test void savedTokenizerEncodesLikeTheOriginal() throws Exception {
        Path out = tmp.resolve("m");
        Llama2cTokenizer tok = Llama2cTokenizer.read(TestData.tok512(), 512);
        ModelFolder.save(ModelFolder.load(TestData.stories260K()), tok, out);
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        assertArrayEquals(Files.readAllBytes(TestData.tok512()), Files.readAllBytes(out.resolve("tok512.bin")));
        try (Tokenizer hf = ModelFolder.loadTokenizer(out, null)) {
            assertTrue(hf instanceof HfTokenizer);
            assertArrayEquals(tok.encode("Once upon a time, Lily saw a cat.", true, false), hf.encode("Once upon a time, Lily saw a cat.", true, false));
        }
        Files.delete(out.resolve("tokenizer.json"));
        try (Tokenizer fallback = ModelFolder.loadTokenizer(out, null)) {
            assertEquals("llama2.c tok512.bin, 512 tokens", fallback.describe());
        }
        try (Tokenizer explicit = ModelFolder.loadTokenizer(TestData.stories260K(), TestData.tok512())) {
            assertEquals(512, explicit.vocabSize());
        }
    }

    @Test void resavingReplacesTheFolderAndLeavesNoTemporaries() throws Exception {
        LoadedModel m = ModelFolder.load(TestData.stories260K());
        Path out = tmp.resolve("m");
        ModelFolder.save(m, null, out);
        LoadedModel hf = ModelFolder.load(out);
        ModelFolder.save(hf, null, out, new ModelFolder.SaveOptions(SafetensorsDType.F16, 200_000));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(out), s.toList());
        }
        assertTrue(Files.isRegularFile(out.resolve(Safetensors.INDEX_FILE)), "sharded at 200 kB");
        assertFalse(Files.exists(out.resolve(Safetensors.SINGLE_FILE)), "old single file gone with the old folder");
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"torch_dtype\" : \"float16\""));
        LoadedModel f16 = ModelFolder.load(out);
        float[] want = hf.weight(Linear.UP.weight(2)).data(), got = f16.weight(Linear.UP.weight(2)).data();
        for (int i = 0; i < want.length; i++) assertEquals(HalfFloats.roundTo(SafetensorsDType.F16, want[i]), got[i]);
    }

    @Test void refusesToReplaceAFolderThatIsNoModel() throws Exception {
        Path precious = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(precious.resolve("notes.txt"), "keep me");
        LoadedModel m = ModelFolder.load(TestData.stories260K());
        assertThrows(IllegalArgumentException.class, () -> ModelFolder.save(m, null, precious));
        assertEquals("keep me", Files.readString(precious.resolve("notes.txt")));
    }

    @Test void aFailedSaveLeavesNothingBehind() throws Exception {
        LoadedModel m = ModelFolder.load(TestData.stories260K());
        Tokenizer alien = new Tokenizer() {
            public int[] encode(String t, boolean b, boolean e) { return new int[0]; }
            public String decode(int[] ids) { return ""; }
            public String decodePiece(int p, int t) { return ""; }
            public int vocabSize() { return 512; }
            public int bosId() { return 1; }
            public int eosId() { return 2; }
            public String describe() { return "alien"; }
        };
        assertThrows(IllegalArgumentException.class, () -> ModelFolder.save(m, alien, tmp.resolve("m")));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.count());
        }
    }

    @Test void wrongShapeIsReportedWithFileNameAndBothShapes() throws Exception {
        ModelConfig c = ModelConfig.llama(64, 172, 5, 8, 4, 512, 512, true);
        Map<String, HostTensor> w = Fixtures.weights(c, 5);
        w.put(Linear.UP.weight(3), HostTensor.of(new float[256 * 64], 256, 64));
        Path dir = hfFolder(c, w);
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> ModelFolder.load(dir));
        assertEquals(dir.resolve("model.safetensors") + ": model.layers.3.mlp.up_proj.weight is [256, 64], expected [172, 64]", e.getMessage());
    }

    @Test void missingAndUnexpectedTensorsAreRejected() throws Exception {
        ModelConfig c = ModelConfig.llama(16, 24, 2, 4, 2, 40, 8, true);
        Map<String, HostTensor> w = Fixtures.weights(c, 1);
        w.remove(Linear.V.weight(1));
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> ModelFolder.load(hfFolder(c, w)));
        assertTrue(e.getMessage().endsWith("model.layers.1.self_attn.v_proj.weight is missing, expected [8, 16]"), e.getMessage());
        Map<String, HostTensor> extra = Fixtures.weights(c, 1);
        extra.put("model.layers.0.mlp.secret.weight", HostTensor.of(new float[2], 2));
        e = assertThrows(ShearFormatException.class, () -> ModelFolder.load(hfFolder(c, extra)));
        assertTrue(e.getMessage().contains("unexpected tensor model.layers.0.mlp.secret.weight"), e.getMessage());
    }

    @Test void rotaryBuffersAndExactTiedCopiesAreDropped() throws Exception {
        ModelConfig c = ModelConfig.llama(16, 24, 2, 4, 2, 40, 8, true);
        Map<String, HostTensor> w = Fixtures.weights(c, 1);
        w.put("model.layers.0.self_attn.rotary_emb.inv_freq", HostTensor.of(new float[2], 2));
        w.put("lm_head.weight", w.get(WeightNames.embedTokens()));
        LoadedModel m = ModelFolder.load(hfFolder(c, w));
        assertEquals(WeightNames.expectedShapes(c).keySet(), m.weights().keySet());
        w.put("lm_head.weight", HostTensor.of(new float[40 * 16], 40, 16));
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> ModelFolder.load(hfFolder(c, w)));
        assertTrue(e.getMessage().contains("differs from the input embedding"), e.getMessage());
    }

    @Test void neoxAndBiasedModelsRoundTrip() throws Exception {
        for (ModelConfig c : List.of(WeightNamesTest.neox(2),
                ModelConfig.llama(16, 24, 2, 4, 2, 40, 8, false).withBiases(true, true).withRopeLayout(RopeLayout.ADJACENT))) {
            Map<String, HostTensor> w = Fixtures.weights(c, 9);
            Path out = tmp.resolve(c.architecture() + "-" + c.ropeLayout());
            ModelFolder.save(new LoadedModel(c, w, null), null, out);
            LoadedModel back = ModelFolder.load(out);
            assertEquals(c.withRopeLayout(RopeLayout.HALF), back.config());
            String qBias = Linear.Q.bias(1);
            if (c.ropeLayout() == RopeLayout.ADJACENT)
                assertArrayEquals(RopePermutation.adjacentToHalf(w.get(qBias), 4, 4).data(), back.weight(qBias).data(), "q bias permuted");
            else
                for (String n : w.keySet()) assertArrayEquals(w.get(n).data(), back.weight(n).data(), n);
        }
    }

    @Test void unknownPathsAreFormatErrors() {
        assertThrows(ShearFormatException.class, () -> ModelFolder.load(tmp.resolve("nothing.gguf")));
        assertThrows(ShearFormatException.class, () -> ModelFolder.load(tmp));
    }

    private Path hfFolder(ModelConfig c, Map<String, HostTensor> w) {
        Path dir = tmp.resolve("hf" + System.nanoTime());
        HfConfigJson.write(c.withRopeLayout(RopeLayout.HALF), dir.resolve("config.json"));
        Safetensors.write(dir.resolve("model.safetensors"), new LinkedHashMap<>(w), SafetensorsDType.F32);
        return dir;
    }
}
