package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.RopePermutation;
import dev.shear.model.WeightNames.Linear;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Writes a LLaMA-family model as a GGUF v3 file for llama.cpp, exactly as given: per-layer
 * widths become per-layer arrays, a layer with 0 heads or 0 MLP channels loses those tensors
 * (the deci convention). What llama.cpp actually runs is decided before, by {@link LlamaCppPlan}.
 * q/k rows are stored in llama.cpp's rotary layout, which is Shear's ADJACENT.
 */
public final class GgufExport {
    /**
     * Storage of the matrices; norms always stay F32, as llama.cpp's converters keep them. The
     * quantized ones are mixes decided per tensor by {@link GgufQuantMix}: q8_0, q4_0 and q4_k
     * store nearly everything in that type, q4_k_m is llama.cpp's Q4_K_M mix.
     */
    public enum Dtype {
        F32(GgmlType.F32, 0), F16(GgmlType.F16, 1), Q8_0(GgmlType.Q8_0, 7), Q4_0(GgmlType.Q4_0, 2),
        /** llama.cpp has no pure Q4_K mix; its closest file type is Q4_K_S (14), which also raises a few early layers to Q5_K. */
        Q4_K(GgmlType.Q4_K, 14), Q4_K_M(GgmlType.Q4_K, 15);

        final GgmlType type;
        /** general.file_type: llama.cpp's LLAMA_FTYPE_ALL_F32, MOSTLY_F16, MOSTLY_Q8_0, ... */
        final int fileType;

        Dtype(GgmlType type, int fileType) {
            this.type = type;
            this.fileType = fileType;
        }

        public boolean quantized() { return type.format != null; }

        public static Dtype parse(String s) {
            for (Dtype d : values()) if (d.name().equalsIgnoreCase(s)) return d;
            throw new IllegalArgumentException("dtype '" + s + "': expected f32, f16, q8_0, q4_0, q4_k or q4_k_m");
        }
    }

    private GgufExport() {}

    /** Writes the file and returns each tensor's type decision (for the size report). */
    public static List<GgufQuantMix.Choice> write(LoadedModel model, Tokenizer tokenizer, GgufArch arch, Dtype dtype, Path out) {
        ModelConfig c = model.config();
        requireExportable(c);
        Map<String, HostTensor> w = adjacent(c, WeightShapes.requireExact(c, model.weights(), model.source()));
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.string(arch.key));
        meta.put("general.name", GgufValue.string(name(model.source())));
        meta.put("general.file_type", GgufValue.u32(dtype.fileType));
        if (dtype.quantized()) meta.put("general.quantization_version", GgufValue.u32(2));     // ggml's GGML_QNT_VERSION
        meta.putAll(hyperparameters(c, arch));
        if (tokenizer != null) meta.putAll(GgufVocab.metadata(tokenizer, c.vocabSize()));
        Map<String, HostTensor> byGgufName = new LinkedHashMap<>();
        for (String name : w.keySet()) if (!omitted(c, name)) byGgufName.put(GgufTensorNames.toGguf(name), w.get(name));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        byGgufName.forEach((name, t) -> shapes.put(name, t.shape()));
        List<GgufQuantMix.Choice> types = GgufQuantMix.choose(dtype, shapes, c.numLayers());
        List<GgufWriter.Entry> tensors = new ArrayList<>();
        for (GgufQuantMix.Choice t : types) tensors.add(new GgufWriter.Entry(t.tensor(), t.shape(), t.type(), byGgufName.get(t.tensor()).data()));
        GgufWriter.write(out, meta, tensors);
        return types;
    }

    private static void requireExportable(ModelConfig c) {
        String why = null;
        if (c.architecture() != Architecture.LLAMA) why = "architecture " + c.architecture();
        else if (c.rotaryPct() != 1.0) why = "partial rotary " + c.rotaryPct();
        else if (c.mlpBias()) why = "MLP biases";
        else if (c.layers().stream().mapToInt(LayerWidths::headDim).distinct().count() != 1) why = "head sizes that differ between layers";
        else if (c.layer(0).headDim() % 2 != 0) why = "odd head size " + c.layer(0).headDim();
        else if (c.outputBias() && c.layers().stream().anyMatch(l -> l.numHeads() == 0 || l.intermediateSize() == 0))
            why = "output biases in a layer without heads or MLP channels (llama.cpp drops the whole branch; pad it with LlamaCppPlan)";
        if (why != null) throw new IllegalArgumentException("gguf export: cannot store " + why + ", expected a LLaMA-family model"
                + " with full rotary, one even head size and no MLP biases");
    }

    /** Keys under the architecture's prefix; per-layer widths are arrays only when they differ. */
    static Map<String, GgufValue> hyperparameters(ModelConfig c, GgufArch arch) {
        String p = arch.key + ".";
        int hd = c.layer(0).headDim();
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put(p + "context_length", GgufValue.u32(c.maxSeqLen()));
        m.put(p + "embedding_length", GgufValue.u32(c.hiddenSize()));
        m.put(p + "block_count", GgufValue.u32(c.numLayers()));
        m.put(p + "feed_forward_length", perLayer(c, LayerWidths::intermediateSize));
        m.put(p + "attention.head_count", perLayer(c, LayerWidths::numHeads));
        m.put(p + "attention.head_count_kv", perLayer(c, LayerWidths::numKvHeads));
        // without these llama.cpp derives the head size from layer 0 (embedding / heads)
        m.put(p + "attention.key_length", GgufValue.u32(hd));
        m.put(p + "attention.value_length", GgufValue.u32(hd));
        m.put(p + "rope.dimension_count", GgufValue.u32(hd));
        m.put(p + "rope.freq_base", GgufValue.f32(c.ropeTheta()));
        m.put(p + "attention.layer_norm_rms_epsilon", GgufValue.f32(c.normEps()));
        m.put(p + "vocab_size", GgufValue.u32(c.vocabSize()));
        return m;
    }

    private static GgufValue perLayer(ModelConfig c, ToIntFunction<LayerWidths> width) {
        List<Integer> v = c.layers().stream().map(width::applyAsInt).toList();
        return v.stream().distinct().count() == 1 ? GgufValue.u32(v.get(0)) : GgufValue.i32Array(v);
    }

    /** A layer without heads (or MLP channels) has no attention (or MLP) tensors, norm included. */
    static boolean omitted(ModelConfig c, String name) {
        for (int i = 0; i < c.numLayers(); i++) {
            String prefix = "model.layers." + i + ".";
            if (!name.startsWith(prefix)) continue;
            String part = name.substring(prefix.length());
            if (c.layer(i).numHeads() == 0 && (part.startsWith("self_attn.") || part.startsWith("input_layernorm."))) return true;
            return c.layer(i).intermediateSize() == 0 && (part.startsWith("mlp.") || part.startsWith("post_attention_layernorm."));
        }
        return false;
    }

    /** q/k rows (and biases) in llama.cpp's rotary layout. */
    private static Map<String, HostTensor> adjacent(ModelConfig c, Map<String, HostTensor> weights) {
        if (c.ropeLayout() == RopeLayout.ADJACENT) return weights;
        Map<String, HostTensor> w = new LinkedHashMap<>(weights);
        for (int i = 0; i < c.numLayers(); i++) {
            LayerWidths l = c.layer(i);
            if (l.numHeads() == 0) continue;
            w.put(Linear.Q.weight(i), RopePermutation.halfToAdjacent(w.get(Linear.Q.weight(i)), l.numHeads(), l.headDim()));
            w.put(Linear.K.weight(i), RopePermutation.halfToAdjacent(w.get(Linear.K.weight(i)), l.numKvHeads(), l.headDim()));
            if (c.attentionBias()) {
                w.put(Linear.Q.bias(i), RopePermutation.halfToAdjacent(w.get(Linear.Q.bias(i)), l.numHeads(), l.headDim()));
                w.put(Linear.K.bias(i), RopePermutation.halfToAdjacent(w.get(Linear.K.bias(i)), l.numKvHeads(), l.headDim()));
            }
        }
        return w;
    }

    private static String name(Path source) {
        if (source == null) return "shear";
        String f = source.getFileName().toString();
        return f.endsWith(".bin") || f.endsWith(".gguf") ? f.substring(0, f.lastIndexOf('.')) : f;
    }
}
