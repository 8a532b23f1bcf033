package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.HostTensor;
import dev.shear.model.WeightNames;
import dev.shear.testing.Slicing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quantized GGUF export: the types each mix gives (llama.cpp's rules, byte-checked against llama.cpp
 * itself by GgufQuantizeMatchesLlamaCppTest), the size accounting of the fallbacks, and Shear reading
 * its own file back as exactly the dequantized blocks of what it wrote.
 */
class GgufQuantizedExportTest {
    @TempDir Path dir;

    static Map<String, long[]> storiesShapes() {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("token_embd.weight", new long[] {512, 64});
        for (int i = 0; i < 5; i++) {
            s.put("blk." + i + ".attn_norm.weight", new long[] {64});
            for (String t : List.of("attn_q", "attn_output")) s.put("blk." + i + "." + t + ".weight", new long[] {64, 64});
            for (String t : List.of("attn_k", "attn_v")) s.put("blk." + i + "." + t + ".weight", new long[] {32, 64});
            s.put("blk." + i + ".ffn_norm.weight", new long[] {64});
            for (String t : List.of("ffn_gate", "ffn_up")) s.put("blk." + i + "." + t + ".weight", new long[] {172, 64});
            s.put("blk." + i + ".ffn_down.weight", new long[] {64, 172});
        }
        s.put("output_norm.weight", new long[] {64});
        return s;
    }

    static Map<String, GgmlType> types(List<GgufQuantMix.Choice> choices) {
        Map<String, GgmlType> m = new LinkedHashMap<>();
        for (GgufQuantMix.Choice c : choices) m.put(c.tensor(), c.type());
        return m;
    }

    @Test void q4_0KeepsRowsThatAreNotWholeBlocksAtF16AndTheTiedEmbeddingAtQ8_0() {
        Map<String, GgmlType> t = types(GgufQuantMix.choose(GgufExport.Dtype.Q4_0, storiesShapes(), 5));
        assertEquals(GgmlType.Q8_0, t.get("token_embd.weight"), "tied embedding = output: Q6_K, whose 256-blocks do not fit 64");
        assertEquals(GgmlType.F16, t.get("blk.2.ffn_down.weight"), "rows of 172 fit no 32-value block");
        assertEquals(GgmlType.Q4_0, t.get("blk.2.attn_q.weight"));
        assertEquals(GgmlType.F32, t.get("blk.2.ffn_norm.weight"));
    }

    @Test void q4_kFallsBackToQ5_0ForRowsOf64AndQ4_k_mRaisesEveryThirdLayer() {
        Map<String, GgmlType> k = types(GgufQuantMix.choose(GgufExport.Dtype.Q4_K, storiesShapes(), 5));
        assertEquals(GgmlType.Q5_0, k.get("blk.0.attn_v.weight"));
        Map<String, GgmlType> m = types(GgufQuantMix.choose(GgufExport.Dtype.Q4_K_M, storiesShapes(), 5));
        // use_more_bits over 5 layers: layers 2 and 4 (every third after the first eighth, and the last eighth)
        for (int i = 0; i < 5; i++) {
            boolean more = i == 2 || i == 4;
            assertEquals(more ? GgmlType.Q8_0 : GgmlType.Q5_0, m.get("blk." + i + ".attn_v.weight"), "layer " + i + " (Q6_K falls back to Q8_0)");
            assertEquals(GgmlType.F16, m.get("blk." + i + ".ffn_down.weight"));
        }
        assertTrue(GgufQuantMix.moreBits(0, 32) && !GgufQuantMix.moreBits(4, 32) && GgufQuantMix.moreBits(6, 32) && GgufQuantMix.moreBits(28, 32));
    }

    @Test void wideRowsGetTheNominalTypesWithoutFallbacks() {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("token_embd.weight", new long[] {32000, 512});
        s.put("blk.0.attn_v.weight", new long[] {256, 512});
        s.put("blk.0.ffn_down.weight", new long[] {512, 1536});
        s.put("output.weight", new long[] {32000, 512});
        List<GgufQuantMix.Choice> c = GgufQuantMix.choose(GgufExport.Dtype.Q4_K, s, 1);
        assertEquals(List.of(GgmlType.Q4_K, GgmlType.Q4_K, GgmlType.Q4_K, GgmlType.Q6_K), c.stream().map(GgufQuantMix.Choice::type).toList());
        assertFalse(c.stream().anyMatch(GgufQuantMix.Choice::fellBack));
        assertEquals(GgmlType.Q8_0, GgufQuantMix.choose(GgufExport.Dtype.Q8_0, s, 1).get(3).type(), "a q8_0 file keeps its output at Q8_0");
    }

    @Test void summaryCountsWhatTheFallbacksCost() {
        GgufQuantMix.Summary s = GgufQuantMix.Summary.of(GgufQuantMix.choose(GgufExport.Dtype.Q4_0, storiesShapes(), 5));
        long f16 = 5L * 64 * 172 * 2, q4ffn = 5L * 64 * 172 * 18 / 32, q8emb = 512L * 64 * 34 / 32;
        assertEquals(f16, s.bytes().get(GgmlType.F16));
        assertEquals(q8emb, s.bytes().get(GgmlType.Q8_0));
        // F16 instead of Q4_0 for ffn_down, Q8_0 instead of Q6_K for the embedding
        assertEquals(f16 - q4ffn + q8emb - 512.0 * 64 * 210 / 256, s.fallbackExtraBytes(), 1e-9);
        assertEquals(260_032, s.totalValues());
        assertTrue(s.lines().stream().anyMatch(l -> l.contains("Q4_0 -> F16 (rows of 172")), s.lines().toString());
    }

    /** Every tensor Shear reads back is exactly the dequantized blocks of what it quantized. */
    static void assertReadsBackTheDequantizedBlocks(LoadedModel m, GgufExport.Dtype dtype, Path out) {
        List<GgufQuantMix.Choice> choices;
        try (Tokenizer tok = ModelFolder.loadTokenizer(TestData.stories260K(), null)) {
            choices = GgufExport.write(m, tok, GgufArch.DECI, dtype, out);
        }
        LoadedModel back = ModelFolder.load(out);
        assertEquals(m.config(), back.config());
        for (GgufQuantMix.Choice c : choices) {
            String hf = GgufTensorNames.toHf(c.tensor());
            float[] want = m.weights().get(hf).data().clone();
            BlockFormat f = c.type().format;
            if (f != null) {
                byte[] block = new byte[f.blockBytes()];
                for (int at = 0; at < want.length; at += f.blockSize()) {
                    f.quantize(want, at, block, 0);
                    f.dequantize(block, 0, want, at);
                }
            } else if (c.type() == GgmlType.F16) {
                for (int i = 0; i < want.length; i++) want[i] = HalfFloats.f16ToFloat(HalfFloats.floatToF16(want[i]));
            }
            assertArrayEquals(want, back.weights().get(hf).data(), c.tensor() + " as " + c.type());
        }
    }

    @Test void shearReadsItsQuantizedFilesBackAsTheDequantizedBlocks() throws Exception {
        LoadedModel stories = ModelFolder.load(TestData.stories260K());
        LoadedModel pruned = Slicing.slice(stories, new int[][] {{8, 4}, {4, 2}, {6, 3}, {2, 2}, {2, 1}}, new int[] {172, 128, 70, 96, 33});
        for (GgufExport.Dtype d : new GgufExport.Dtype[] {GgufExport.Dtype.Q8_0, GgufExport.Dtype.Q4_0, GgufExport.Dtype.Q4_K, GgufExport.Dtype.Q4_K_M}) {
            assertReadsBackTheDequantizedBlocks(pruned, d, dir.resolve("pruned-" + d + ".gguf"));
            GgufFile f = GgufFile.open(dir.resolve("pruned-" + d + ".gguf"));
            assertEquals(d.fileType, f.integer("general.file_type", 0, 100));
            assertEquals(2, f.integer("general.quantization_version", 0, 100));
            assertTrue(Files.size(dir.resolve("pruned-" + d + ".gguf")) < 4L * 200_000, "quantized files are smaller than f32");
        }
        HostTensor emb = ModelFolder.load(dir.resolve("pruned-Q8_0.gguf")).weights().get(WeightNames.embedTokens());
        assertFalse(java.util.Arrays.equals(stories.weights().get(WeightNames.embedTokens()).data(), emb.data()), "Q8_0 changes the values");
    }
}
