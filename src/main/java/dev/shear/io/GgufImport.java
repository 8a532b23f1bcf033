package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.WeightNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a LLaMA-family GGUF ({@code llama} or {@code deci}, F32/F16/BF16 tensors) into Shear's
 * config and Hugging Face-named weights, in the ADJACENT rotary layout llama.cpp stores.
 * The tensor set must be exactly what the config requires; layers without heads get the
 * attention norm back as ones (it scales nothing there).
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
        if (vd != hd || rot != hd)
            throw ShearFormatException.of(p, "key_length " + hd + ", value_length " + vd + ", rope.dimension_count " + rot, "all equal (full rotary)");
        if (f.has(k + "rope.scaling.type") && !f.string(k + "rope.scaling.type").equals("none"))
            throw ShearFormatException.of(p, "rope scaling " + f.string(k + "rope.scaling.type"), "none (not supported by Shear)");
        List<LayerWidths> layers = new ArrayList<>();
        for (int i = 0; i < n; i++) layers.add(layer(p, i, arch, heads[i], kv[i], hd, ffn[i]));
        GgufFile.TensorInfo embed = tensor(f, "token_embd.weight");
        if (embed.dims().length != 2 || embed.dims()[0] != d)
            throw ShearFormatException.of(p, "token_embd.weight is " + Arrays.toString(embed.dims()), "[" + d + ", vocab] (GGUF order)");
        int vocab = (int) embed.dims()[1];
        f.integer(k + "vocab_size", vocab, vocab, vocab);                 // when present, it must agree
        boolean tied = !f.tensors().containsKey("output.weight");
        boolean attnBias = f.tensors().keySet().stream().anyMatch(t -> t.matches("blk\\.\\d+\\.attn_[qkv]\\.bias"));
        boolean outBias = f.tensors().keySet().stream().anyMatch(t -> t.matches("blk\\.\\d+\\.(attn_output|ffn_down)\\.bias"));
        int bos = (int) f.integer("tokenizer.ggml.bos_token_id", 0, vocab - 1, 1);
        int eos = (int) f.integer("tokenizer.ggml.eos_token_id", 0, vocab - 1, 2);
        int ctx = (int) f.integer(k + "context_length", 1, 1 << 24);
        return new ModelConfig(Architecture.LLAMA, d, vocab, ctx, layers, f.real(k + "attention.layer_norm_rms_epsilon", 1e-5),
                f.real(k + "rope.freq_base", 10000.0), RopeLayout.ADJACENT, 1.0, tied, attnBias, outBias, false, false, bos, eos);
    }

    private static LayerWidths layer(Path p, int i, GgufArch arch, long heads, long kv, int hd, long ffn) {
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
        Map<String, long[]> expected = WeightNames.expectedShapes(c);
        Map<String, HostTensor> w = new HashMap<>();
        for (GgufFile.TensorInfo t : f.tensors().values()) {
            String hf = GgufTensorNames.toHf(t.name());
            if (hf == null || !expected.containsKey(hf) || GgufExport.omitted(c, hf))
                throw ShearFormatException.of(f.path(), "unexpected tensor " + t.name() + " " + Arrays.toString(t.dims()),
                        "only the tensors of a " + c.numLayers() + "-layer LLaMA with these widths");
            if (!Arrays.equals(t.shape(), expected.get(hf)))
                throw ShearFormatException.of(f.path(), t.name() + " is " + Arrays.toString(t.dims()) + " (GGUF order)",
                        Arrays.toString(reversed(expected.get(hf))));
            if (w.put(hf, f.read(t.name())) != null) throw ShearFormatException.of(f.path(), "tensor " + t.name() + " appears twice", "unique tensors");
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (w.containsKey(e.getKey()) || !GgufExport.omitted(c, e.getKey())) continue;
            float[] data = new float[(int) HostTensor.numel(e.getValue())];
            if (e.getKey().endsWith("layernorm.weight")) Arrays.fill(data, 1f);
            w.put(e.getKey(), new HostTensor(e.getValue(), data));
        }
        return new LinkedHashMap<>(w);
    }

    private static long[] reversed(long[] s) {
        long[] r = new long[s.length];
        for (int i = 0; i < s.length; i++) r[i] = s[s.length - 1 - i];
        return r;
    }
}
