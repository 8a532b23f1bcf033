package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.HostTensor;
import dev.shear.model.ModelConfig;
import dev.shear.model.WeightNames;
import dev.shear.testing.Families;
import dev.shear.testing.Slicing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    @Test void phi3sFusedQkvIsRaisedAsTheValueProjection() {
        Map<String, long[]> s = new LinkedHashMap<>();
        for (int i = 0; i < 8; i++) {
            s.put("blk." + i + ".attn_qkv.weight", new long[] {768, 256});
            s.put("blk." + i + ".ffn_down.weight", new long[] {256, 512});
        }
        s.put("output.weight", new long[] {1000, 256});
        Map<String, GgmlType> t = types(GgufQuantMix.choose(GgufExport.Dtype.Q4_K_M, s, 8));
        for (int i = 0; i < 8; i++) {
            GgmlType want = GgufQuantMix.moreBits(i, 8) ? GgmlType.Q6_K : GgmlType.Q4_K;
            assertEquals(want, t.get("blk." + i + ".attn_qkv.weight"), "layer " + i);
            assertEquals(want, t.get("blk." + i + ".ffn_down.weight"), "layer " + i);
        }
    }

    @Test void q4_k_mOfAModelLlamaCppClassesAs70bIsRefusedInOneLine() {
        ModelConfig gqa = ModelConfig.llama(256, 512, 80, 8, 2, 1000, 64, false), mha = ModelConfig.llama(256, 512, 80, 8, 8, 1000, 64, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GgufExport.requireWritable(gqa, GgufArch.LLAMA, GgufExport.Dtype.Q4_K_M));
        assertEquals("gguf export (llama, q4_k_m): llama.cpp's q4_k_m stores attn_v of an 80-layer llama model (its \"70B\") as Q5_K,"
                + " which Shear does not write; use q4_k or q8_0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GgufExport.requireWritable(mha, GgufArch.DECI, GgufExport.Dtype.Q4_K_M));
        GgufExport.requireWritable(mha, GgufArch.LLAMA, GgufExport.Dtype.Q4_K_M);          // llama.cpp's 65B: no Q5_K
        GgufExport.requireWritable(gqa, GgufArch.LLAMA, GgufExport.Dtype.Q4_K);
        GgufExport.requireWritable(gqa.withLayers(gqa.layers().subList(0, 79)), GgufArch.LLAMA, GgufExport.Dtype.Q4_K_M);
    }

    /**
     * Every family's file, written in its own llama.cpp architecture as q8_0, reads back as the
     * model within Q8_0's error: each value within a 127th of its tensor's largest magnitude (more
     * than a block's half step), norms exact. A wrong inverse of the export's rewrites (q/k
     * permutation, Gemma's 1 + w, Phi-3's fusion) would miss by the values themselves.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen2", "qwen3", "gemma2", "gemma3", "phi3"})
    void everyFamilyReadsBackItsQuantizedFileWithinTheFormatsError(String family) {
        LoadedModel m = Families.widened(family, 11);
        Path out = dir.resolve(family + ".gguf");
        GgufExport.Written w;
        try (Tokenizer tok = ModelFolder.loadTokenizer(Families.folder(family), null)) {
            w = GgufExport.forLlamaCpp(m, tok, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.Q8_0, out);
        }
        GgufArch own = GgufArch.of(m.config().family());
        assertEquals(own == null ? GgufArch.LLAMA : own, w.plan().arch(), family);
        assertTrue(w.types().stream().anyMatch(c -> c.type() == GgmlType.Q8_0) && w.types().stream().noneMatch(GgufQuantMix.Choice::fellBack));
        LoadedModel back = ModelFolder.toHalfLayout(ModelFolder.load(out));           // llama and deci store q/k rows in adjacent pairs
        assertEquals(m.config(), back.config());
        for (Map.Entry<String, HostTensor> e : m.weights().entrySet()) {
            float[] want = e.getValue().data(), got = back.weights().get(e.getKey()).data();
            float max = 0, diff = 0;
            for (int i = 0; i < want.length; i++) {
                max = Math.max(max, Math.abs(want[i]));
                diff = Math.max(diff, Math.abs(want[i] - got[i]));
            }
            if (e.getValue().shape().length == 1) assertEquals(0, diff, 1e-6 * max, family + " " + e.getKey());
            else assertTrue(diff > 0 && diff <= max / 127, family + " " + e.getKey() + ": off by " + diff + " of " + max);
        }
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
            String hf = GgufTensorNames.toHf(m.config(), c.tensor(), false);
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

    /** A tensor of several write buffers (1 MiB) and read chunks (4 MiB): the blocks stream across their edges unchanged. */
    @Test void tensorsLargerThanTheBuffersStreamThroughWholeBlocks() {
        float[] x = new float[4096 * 1280];
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (GgmlType type : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q6_K}) {
            Path f = dir.resolve("big-" + type + ".gguf");
            GgufWriter.write(f, Map.of(), List.of(new GgufWriter.Entry("big.weight", new long[] {4096, 1280}, type, x)));
            BlockFormat b = type.format;
            byte[] block = new byte[b.blockBytes()];
            float[] want = x.clone();
            for (int at = 0; at < want.length; at += b.blockSize()) {
                b.quantize(want, at, block, 0);
                b.dequantize(block, 0, want, at);
            }
            GgufFile g = GgufFile.open(f);
            assertTrue(g.tensors().get("big.weight").bytes() > 4 << 20, type + " spans several read chunks");
            assertArrayEquals(want, g.read("big.weight").data(), type.toString());
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
