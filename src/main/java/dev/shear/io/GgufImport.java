package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.engine.TensorSource;
import dev.shear.model.Architecture;
import dev.shear.model.Family;
import dev.shear.model.Features;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.RopeScaling;
import dev.shear.model.WeightNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a GGUF of one of the architectures Shear writes ({@link GgufArch}; F32/F16/BF16 tensors)
 * into Shear's config and Hugging Face-named weights: llama and deci in the ADJACENT rotary layout
 * llama.cpp stores, the family architectures in HALF. Gemma's stored 1 + w norms come back as w,
 * Phi-3's fused tensors split. The family's features come from {@code shear.config_json} when
 * Shear wrote the file, else from llama.cpp's keys. The tensor set must be exactly what the config
 * requires; layers without heads get the attention norm back as ones (it scales nothing there).
 */
public final class GgufImport {
    private static final int MAX_LAYERS = 4096, MAX_WIDTH = 1 << 20;

    private GgufImport() {}

    public static LoadedModel read(Path path) {
        GgufFile f = GgufFile.open(path);
        ModelConfig config = config(f);
        Map<String, HostTensor> weights = weights(f, config);
        return new LoadedModel(config, WeightShapes.requireExact(config, weights, path), path);
    }

    public static ModelConfig readConfig(Path path) { return config(GgufFile.open(path)); }

    /** The file's tokenizer as llama2.c's (SentencePiece vocabularies with unk 0, BOS 1, EOS 2). */
    public static Llama2cTokenizer readTokenizer(Path path) { return GgufVocab.read(GgufFile.open(path)); }

    static ModelConfig config(GgufFile f) {
        Path p = f.path();
        GgufArch arch = GgufArch.of(f.string("general.architecture"), p);
        String k = arch.key + ".";
        int n = (int) f.integer(k + "block_count", 1, MAX_LAYERS);
        int d = (int) f.integer(k + "embedding_length", 1, MAX_WIDTH);
        long[] heads = f.perLayer(k + "attention.head_count", n, 0, MAX_WIDTH);
        long[] kv = f.has(k + "attention.head_count_kv") ? f.perLayer(k + "attention.head_count_kv", n, 0, MAX_WIDTH) : heads;
        long[] ffn = f.perLayer(k + "feed_forward_length", n, 0, MAX_WIDTH);
        if (!f.has(k + "attention.key_length") && heads[0] == 0)
            throw ShearFormatException.of(p, "layer 0 has no heads and no attention.key_length is given", "the head size in " + k + "attention.key_length");
        int hd = (int) f.integer(k + "attention.key_length", 2, MAX_WIDTH, heads[0] == 0 ? 0 : d / heads[0]);
        long vd = f.integer(k + "attention.value_length", 1, MAX_WIDTH, hd);
        long rot = f.integer(k + "rope.dimension_count", 1, MAX_WIDTH, hd);
        if (vd != hd || rot > hd || rot % 2 != 0 || (arch.adjacentRope && rot != hd))
            throw ShearFormatException.of(p, "key_length " + hd + ", value_length " + vd + ", rope.dimension_count " + rot,
                    "equal key and value lengths and an even rotary count up to them (all of them for " + arch.key + ")");
        List<LayerWidths> layers = new ArrayList<>();
        for (int i = 0; i < n; i++) layers.add(layer(p, i, heads[i], kv[i], hd, ffn[i]));
        GgufFile.TensorInfo embed = tensor(f, "token_embd.weight");
        if (embed.dims().length != 2 || embed.dims()[0] != d)
            throw ShearFormatException.of(p, "token_embd.weight is " + Arrays.toString(embed.dims()), "[" + d + ", vocab] (GGUF order)");
        int vocab = (int) embed.dims()[1];
        f.integer(k + "vocab_size", vocab, vocab, vocab);                 // when present, it must agree
        boolean tied = !f.tensors().containsKey("output.weight");
        boolean attnBias = f.tensors().keySet().stream().anyMatch(t -> t.matches("blk\\.\\d+\\.attn_(q|k|v|qkv)\\.bias"));
        boolean outBias = f.tensors().keySet().stream().anyMatch(t -> t.matches("blk\\.\\d+\\.(attn_output|ffn_down)\\.bias"));
        int bos = (int) f.integer("tokenizer.ggml.bos_token_id", 0, vocab - 1, 1);
        int eos = (int) f.integer("tokenizer.ggml.eos_token_id", 0, vocab - 1, 2);
        int ctx = (int) f.integer(k + "context_length", 1, 1 << 24);
        ModelConfig c = new ModelConfig(Architecture.LLAMA, d, vocab, ctx, layers, f.real(k + "attention.layer_norm_rms_epsilon", 1e-5),
                f.real(k + "rope.freq_base", 10000.0), arch.adjacentRope ? RopeLayout.ADJACENT : RopeLayout.HALF, (double) rot / hd,
                tied, attnBias, outBias, false, false, bos, eos);
        return f.has(GgufExport.CONFIG_KEY) ? withShearConfig(f, c) : c.withFeatures(foreignFeatures(f, arch, c));
    }

    /** Family, rotary scaling and context as Shear wrote them; the widths stay the file's. */
    private static ModelConfig withShearConfig(GgufFile f, ModelConfig c) {
        String label = f.path() + " " + GgufExport.CONFIG_KEY;
        ModelConfig s = HfConfigJson.parse(JsonFiles.parseObject(f.string(GgufExport.CONFIG_KEY).getBytes(java.nio.charset.StandardCharsets.UTF_8), label), label);
        if (s.hiddenSize() != c.hiddenSize() || s.vocabSize() != c.vocabSize() || s.numLayers() != c.numLayers())
            throw ShearFormatException.of(f.path(), GgufExport.CONFIG_KEY + " describes another model (hidden " + s.hiddenSize() + ", vocab "
                    + s.vocabSize() + ", " + s.numLayers() + " layers)", "the file's own shapes");
        Family family = s.family();
        if (f.has(GgufExport.FAMILY_KEY)) {
            try {
                family = Family.valueOf(f.string(GgufExport.FAMILY_KEY));
            } catch (IllegalArgumentException e) {
                throw ShearFormatException.of(f.path(), GgufExport.FAMILY_KEY + " " + f.string(GgufExport.FAMILY_KEY), "one of " + Arrays.toString(Family.values()));
            }
        }
        return c.withFeatures(s.features().withFamily(family)).withMaxSeqLen(s.maxSeqLen());
    }

    /** A GGUF Shear did not write: what llama.cpp's keys say, with llama.cpp's defaults. */
    private static Features foreignFeatures(GgufFile f, GgufArch arch, ModelConfig c) {
        String k = arch.key + ".";
        if (f.tensors().containsKey(GgufTensorNames.ROPE_FREQS))
            throw ShearFormatException.of(f.path(), "rope_freqs (Llama 3.1 rope scaling) in a file without " + GgufExport.CONFIG_KEY,
                    "a GGUF written by Shear, or the Hugging Face folder");
        Features x = Features.of(arch.family());
        String type = f.has(k + "rope.scaling.type") ? f.string(k + "rope.scaling.type") : "none";
        if (type.equals("linear") && f.real(k + "rope.scaling.factor", 1.0) != 1.0) x = x.withRopeScaling(new RopeScaling.Linear(f.real(k + "rope.scaling.factor", 1.0)));
        else if (f.tensors().containsKey(GgufTensorNames.ROPE_LONG)) x = x.withRopeScaling(longRope(f, k, c));
        else if (!type.equals("none") && !type.equals("linear")) throw ShearFormatException.of(f.path(), "rope scaling " + type, "none, linear or longrope");
        int hd = c.layer(0).headDim(), n = c.numLayers();
        if (arch == GgufArch.GEMMA2 || arch == GgufArch.GEMMA3) {
            boolean two = arch == GgufArch.GEMMA2;
            int window = (int) f.integer(k + "attention.sliding_window", 0, 1 << 24, two ? 4096 : 0);
            int period = (int) f.integer(k + "attention.sliding_window_pattern", 1, n + 1, two ? 2 : 6);
            List<Boolean> sliding = new ArrayList<>();
            for (int i = 0; i < n; i++) sliding.add(i % period < period - 1);
            boolean big = two ? n == 46 : n == 62;
            x = x.withSlidingWindow(window, sliding, two ? 0 : f.real(k + "rope.freq_base_swa", 10000.0))
                    .withSoftcaps(two ? f.real(k + "attn_logit_softcapping", 50.0) : 0, f.real(k + "final_logit_softcapping", two ? 30.0 : 0))
                    .withQueryPreAttnScalar(big ? (double) c.hiddenSize() / c.layer(0).numHeads() : hd);
        }
        return x;
    }

    private static RopeScaling longRope(GgufFile f, String k, ModelConfig c) {
        HostTensor lo = f.read(GgufTensorNames.ROPE_LONG), sh = f.read(GgufTensorNames.ROPE_SHORT);
        List<Double> l = new ArrayList<>(), s = new ArrayList<>();
        for (float v : lo.data()) l.add((double) v);
        for (float v : sh.data()) s.add((double) v);
        int orig = (int) f.integer(k + "rope.scaling.original_context_length", 1, 1 << 24, c.maxSeqLen());
        return new RopeScaling.LongRope(s, l, orig, f.real(k + "rope.scaling.attn_factor", 1.0));
    }

    private static LayerWidths layer(Path p, int i, long heads, long kv, int hd, long ffn) {
        if (ffn == 0)
            throw ShearFormatException.of(p, "layer " + i + " has feed_forward_length 0 (llama.cpp's deci then skips the whole layer)",
                    "at least 1 MLP channel");
        if (heads > 0 && kv == 0)
            throw ShearFormatException.of(p, "layer " + i + " has " + heads + " heads and 0 KV heads (deci's linear attention)", "KV heads");
        try {
            return new LayerWidths((int) heads, (int) kv, hd, (int) ffn);
        } catch (IllegalArgumentException e) {
            throw ShearFormatException.of(p, "layer " + i + ": " + e.getMessage(), "consistent widths");
        }
    }

    private static GgufFile.TensorInfo tensor(GgufFile f, String name) {
        GgufFile.TensorInfo t = f.tensors().get(name);
        if (t == null) throw ShearFormatException.of(f.path(), "no tensor " + name, "it to be present");
        return t;
    }

    /** Every file tensor under its Shear name (shapes are checked by the caller), plus what 0-head layers lack. */
    private static Map<String, HostTensor> weights(GgufFile f, ModelConfig c) {
        boolean fused = GgufArch.of(f.string("general.architecture"), f.path()) == GgufArch.PHI3;
        Map<String, long[]> expected = fused ? StoredTensors.shapes(c) : WeightNames.expectedShapes(c);
        Map<String, HostTensor> w = new HashMap<>();
        for (GgufFile.TensorInfo t : f.tensors().values()) {
            if (t.name().equals(GgufTensorNames.ROPE_FREQS) || t.name().equals(GgufTensorNames.ROPE_LONG) || t.name().equals(GgufTensorNames.ROPE_SHORT))
                continue;                                                         // rotary factors: part of the config
            String hf = GgufTensorNames.toHf(c, t.name(), fused);
            if (hf == null || !expected.containsKey(hf) || GgufExport.omitted(c, hf))
                throw ShearFormatException.of(f.path(), "unexpected tensor " + t.name() + " " + Arrays.toString(t.dims()),
                        "only the tensors of a " + c.numLayers() + "-layer " + c.family().hfClass + " with these widths");
            if (!Arrays.equals(t.shape(), expected.get(hf)))
                throw ShearFormatException.of(f.path(), t.name() + " is " + Arrays.toString(t.dims()) + " (GGUF order)",
                        Arrays.toString(reversed(expected.get(hf))));
            HostTensor read = f.read(t.name());
            if (c.features().unitOffsetNorms() && hf.endsWith("norm.weight")) read = minusOne(read);
            if (w.put(hf, read) != null) throw ShearFormatException.of(f.path(), "tensor " + t.name() + " appears twice", "unique tensors");
        }
        if (fused) w = split(c, w);
        for (Map.Entry<String, long[]> e : WeightNames.expectedShapes(c).entrySet()) {
            if (w.containsKey(e.getKey()) || !GgufExport.omitted(c, e.getKey())) continue;
            float[] data = new float[(int) HostTensor.numel(e.getValue())];
            if (e.getKey().endsWith("layernorm.weight")) Arrays.fill(data, 1f);
            w.put(e.getKey(), new HostTensor(e.getValue(), data));
        }
        return new LinkedHashMap<>(w);
    }

    /** Phi-3's fused tensors split into Shear's projections. */
    private static Map<String, HostTensor> split(ModelConfig c, Map<String, HostTensor> stored) {
        for (String name : StoredTensors.shapes(c).keySet())
            if (!stored.containsKey(name)) throw new ShearFormatException("gguf: " + name + " is missing");
        Map<String, long[]> shapes = WeightNames.expectedShapes(c);
        TensorSource src = StoredTensors.split(c, shapes, TensorSource.of(stored));
        Map<String, HostTensor> out = new HashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            float[] data = new float[(int) HostTensor.numel(e.getValue())];
            src.read(e.getKey(), 0, java.nio.FloatBuffer.wrap(data));
            out.put(e.getKey(), new HostTensor(e.getValue(), data));
        }
        return out;
    }

    private static HostTensor minusOne(HostTensor t) {
        float[] d = t.data().clone();
        for (int i = 0; i < d.length; i++) d[i] -= 1f;
        return new HostTensor(t.shape(), d);
    }

    private static long[] reversed(long[] s) {
        long[] r = new long[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[s.length - 1 - i];
        return r;
    }
}
