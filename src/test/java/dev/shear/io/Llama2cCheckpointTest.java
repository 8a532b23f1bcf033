package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.shear.engine.HostTensor;
import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.RopePermutation;
import dev.shear.model.WeightNames;
import dev.shear.model.WeightNames.Linear;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointTest {
    @TempDir Path tmp;

    @Test void readsStories260K() throws Exception {
        Path file = TestData.stories260K();
        LoadedModel m = Llama2cCheckpoint.read(file);
        ModelConfig c = m.config();
        assertEquals(Architecture.LLAMA, c.architecture());
        assertEquals(64, c.hiddenSize());
        assertEquals(5, c.numLayers());
        assertEquals(new LayerWidths(8, 4, 8, 172), c.layer(0));
        assertEquals(512, c.vocabSize());
        assertEquals(512, c.maxSeqLen());
        assertTrue(c.tiedEmbeddings());
        assertEquals(RopeLayout.ADJACENT, c.ropeLayout());
        assertEquals(1e-5, c.normEps());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(1, c.bosId());
        assertEquals(2, c.eosId());
        assertEquals(WeightNames.expectedShapes(c).keySet(), m.weights().keySet());
        long params = m.weights().values().stream().mapToLong(HostTensor::numel).sum();
        assertEquals(260_032, params);
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(raw.getFloat(28), m.weight("model.embed_tokens.weight").data()[0]);
        int wqStart = 28 + 4 * (512 * 64 + 5 * 64);
        assertEquals(raw.getFloat(wqStart), m.weight(Linear.Q.weight(0)).data()[0]);
    }

    @Test void writerReproducesStories260KByteForByte() throws Exception {
        LoadedModel m = Llama2cCheckpoint.read(TestData.stories260K());
        Path out = tmp.resolve("copy.bin");
        Llama2cWriter.write(m.config(), m.weights(), out);
        byte[] original = Files.readAllBytes(TestData.stories260K()), copy = Files.readAllBytes(out);
        assertEquals(original.length, copy.length);
        long ropeStart = 28 + 4L * (512 * 64 + 5 * 64 * 2 + 5 * 64 * 64 * 2 + 5 * 32 * 64 * 2 + 5 * 172 * 64 * 3 + 64);
        assertArrayEquals(Arrays.copyOf(original, (int) ropeStart), Arrays.copyOf(copy, (int) ropeStart), "weights identical");
        float[] ours = floats(copy, ropeStart, 2 * 512 * 4), theirs = floats(original, ropeStart, 2 * 512 * 4);
        for (int i = 0; i < ours.length; i++) assertEquals(theirs[i], ours[i], 2e-4f, "rope table entry " + i);
    }

    @Test void writerPermutesHalfLayoutBackToAdjacent() throws Exception {
        LoadedModel m = Llama2cCheckpoint.read(TestData.stories260K());
        Map<String, HostTensor> half = new LinkedHashMap<>(m.weights());
        for (int i = 0; i < 5; i++) {
            half.put(Linear.Q.weight(i), RopePermutation.adjacentToHalf(half.get(Linear.Q.weight(i)), 8, 8));
            half.put(Linear.K.weight(i), RopePermutation.adjacentToHalf(half.get(Linear.K.weight(i)), 4, 8));
        }
        Llama2cWriter.write(m.config(), m.weights(), tmp.resolve("a.bin"));
        Llama2cWriter.write(m.config().withRopeLayout(RopeLayout.HALF), half, tmp.resolve("b.bin"));
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a.bin")), Files.readAllBytes(tmp.resolve("b.bin")));
    }

    @Test void untiedClassifierRoundTrips() throws Exception {
        Path f = tmp.resolve("untied.bin");
        Files.write(f, Fixtures.llama2c(16, 24, 2, 4, 2, -40, 8, 3));
        LoadedModel m = Llama2cCheckpoint.read(f);
        assertFalse(m.config().tiedEmbeddings());
        assertArrayEquals(new long[] {40, 16}, m.weight("lm_head.weight").shape());
        Path again = tmp.resolve("again.bin");
        Llama2cWriter.write(m.config(), m.weights(), again);
        LoadedModel m2 = Llama2cCheckpoint.read(again);
        for (String name : m.weights().keySet()) assertArrayEquals(m.weight(name).data(), m2.weight(name).data(), name);
    }

    @Test void rejectsTruncatedAndOversizedFiles() throws Exception {
        byte[] ok = Fixtures.llama2c(16, 24, 2, 4, 2, 40, 8, 3);
        Path shortFile = tmp.resolve("short.bin"), longFile = tmp.resolve("long.bin");
        Files.write(shortFile, Arrays.copyOf(ok, ok.length - 4));
        Files.write(longFile, Arrays.copyOf(ok, ok.length + 1));
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> Llama2cCheckpoint.read(shortFile));
        assertTrue(e.getMessage().startsWith(shortFile + ": file is " + (ok.length - 4) + " bytes (truncated)"), e.getMessage());
        assertTrue(e.getMessage().endsWith("expected " + ok.length + " bytes"), e.getMessage());
        e = assertThrows(ShearFormatException.class, () -> Llama2cCheckpoint.read(longFile));
        assertTrue(e.getMessage().contains("trailing data"), e.getMessage());
        Files.write(shortFile, new byte[10]);
        assertThrows(ShearFormatException.class, () -> Llama2cCheckpoint.read(shortFile));
    }

    @Test void rejectsInsaneHeadersBeforeAllocating() throws Exception {
        assertHeaderRejected("dim 0", 0, 24, 2, 4, 2, 40, 8);
        assertHeaderRejected("dim 48 is not divisible by n_heads 5", 48, 24, 2, 5, 5, 40, 8);
        assertHeaderRejected("n_heads 4 is not divisible by n_kv_heads 3", 16, 24, 2, 4, 3, 40, 8);
        assertHeaderRejected("n_kv_heads 8", 16, 24, 2, 4, 8, 40, 8);
        assertHeaderRejected("head size", 12, 24, 2, 4, 4, 40, 8);
        assertHeaderRejected("vocab_size " + Integer.MIN_VALUE, 16, 24, 2, 4, 2, Integer.MIN_VALUE, 8);
        assertHeaderRejected("token_embedding has", 65536, 24, 2, 4, 2, 1 << 24, 8);
        assertHeaderRejected("seq_len -1", 16, 24, 2, 4, 2, 40, -1);
        assertHeaderRejected("version 1/2", 0x616b3432, 1, 1, 1, 1, 1, 1);
    }

    private void assertHeaderRejected(String fragment, int... header) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(28 + 64).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : header) b.putInt(v);
        Path f = tmp.resolve("h.bin");
        Files.write(f, b.array());
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> Llama2cCheckpoint.read(f));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }

    @Test void reportsNonFiniteWeightsByName() throws Exception {
        byte[] bytes = Fixtures.llama2c(16, 24, 2, 4, 2, 40, 8, 3);
        int wqLayer1 = 28 + 4 * (40 * 16 + 2 * 16 + 16 * 16) + 4 * 5;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(wqLayer1, Float.NaN);
        Path f = tmp.resolve("nan.bin");
        Files.write(f, bytes);
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> Llama2cCheckpoint.read(f));
        assertEquals(f + ": model.layers.1.self_attn.q_proj.weight contains NaN or Inf, expected finite values", e.getMessage());
    }

    @Test void writerRefusesWhatLlama2cCannotHold() {
        ModelConfig c = ModelConfig.llama(16, 24, 2, 4, 2, 40, 8, true);
        ModelConfig pruned = c.withLayers(List.of(new LayerWidths(4, 2, 4, 24), new LayerWidths(4, 2, 4, 12)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Llama2cWriter.write(pruned, Fixtures.weights(pruned, 1), tmp.resolve("x.bin")));
        assertTrue(e.getMessage().contains("non-uniform"), e.getMessage());
        ModelConfig biased = c.withBiases(true, false);
        assertThrows(IllegalArgumentException.class, () -> Llama2cWriter.write(biased, Fixtures.weights(biased, 1), tmp.resolve("x.bin")));
        assertFalse(Files.exists(tmp.resolve("x.bin")));
    }

    private static float[] floats(byte[] b, long from, int n) {
        float[] out = new float[n];
        ByteBuffer.wrap(b, (int) from, n * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
