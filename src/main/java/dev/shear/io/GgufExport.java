package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.model.Activation;
import dev.shear.model.Architecture;
import dev.shear.model.Family;
import dev.shear.model.Features;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.RopePermutation;
import dev.shear.model.RopeScaling;
import dev.shear.model.WeightNames.Linear;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Writes a model as a GGUF v3 file for llama.cpp, exactly as given: per-layer widths become
 * per-layer arrays, a layer with 0 heads or 0 MLP channels loses those tensors (the deci
 * convention). What llama.cpp actually runs is decided before, by {@link LlamaCppPlan}. For llama
 * and deci, q/k rows are stored in llama.cpp's adjacent rotary layout (Shear's ADJACENT); the
 * family architectures rotate halves as Hugging Face does. Gemma's (1 + w) norms are stored as
 * 1 + w, Phi-3's projections fused, and rotary scaling becomes llama.cpp's keys or factor tensors.
 * The Hugging Face config rides along as {@code shear.config_json} so Shear reads the file back
 * exactly; llama.cpp ignores it.
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

    static final String CONFIG_KEY = "shear.config_json", FAMILY_KEY = "shear.family";

    private GgufExport() {}

    /**
     * A GGUF written for llama.cpp by {@link #forLlamaCpp}.
     *
     * @param model the model in the shape llama.cpp got (padded where the plan widened it)
     * @param types each tensor's storage type, in file order
     */
    public record Written(LlamaCppPlan plan, LoadedModel model, List<GgufQuantMix.Choice> types) {
        public Written {
            types = List.copyOf(types);
        }

        public GgufQuantMix.Summary summary() { return GgufQuantMix.Summary.of(types); }

        /** Lines for the user: the plan (architecture, padding and its cost), then for quantized files the types, sizes and fallbacks. */
        public List<String> lines() {
            List<String> out = new ArrayList<>(plan.report());
            if (types.stream().anyMatch(t -> t.type().format != null)) out.addAll(summary().lines());
            return out;
        }
    }

    /** Plans the shape llama.cpp runs ({@link LlamaCppPlan}: architecture and zero padding), then writes that model. */
    public static Written forLlamaCpp(LoadedModel model, Tokenizer tokenizer, LlamaCppPlan.Options options, Dtype dtype, Path out) {
        LlamaCppPlan plan = LlamaCppPlan.of(model.config(), options);
        LoadedModel shaped = plan.apply(model);
        return new Written(plan, shaped, write(shaped, tokenizer, plan.arch(), dtype, out));
    }

    /** Writes the file and returns each tensor's type decision (for the size report). */
    public static List<GgufQuantMix.Choice> write(LoadedModel model, Tokenizer tokenizer, GgufArch arch, Dtype dtype, Path out) {
        ModelConfig c = model.config();
        requireWritable(c, arch, dtype);
        Map<String, HostTensor> w = WeightShapes.requireExact(c, model.weights(), model.source());
        w = arch.adjacentRope ? adjacent(c, w) : w;
        if (c.features().unitOffsetNorms()) w = unitOffset(w);
        if (arch == GgufArch.PHI3) w = StoredTensors.fuse(c, w);
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.string(arch.key));
        meta.put("general.name", GgufValue.string(name(model.source())));
        meta.put("general.file_type", GgufValue.u32(dtype.fileType));
        if (dtype.quantized()) meta.put("general.quantization_version", GgufValue.u32(2));     // ggml's GGML_QNT_VERSION
        meta.putAll(hyperparameters(c, arch));
        byte[] config = JsonFiles.pretty(HfConfigJson.toJson(c.withRopeLayout(RopeLayout.HALF), "float32"));
        meta.put(CONFIG_KEY, GgufValue.string(new String(config, java.nio.charset.StandardCharsets.UTF_8)));
        meta.put(FAMILY_KEY, GgufValue.string(c.family().name()));           // config.json may name a stock class instead (Qwen2 for q/k/v biases)
        if (tokenizer != null) meta.putAll(GgufVocab.metadata(tokenizer, c.vocabSize()));
        Map<String, HostTensor> byName = ggufTensors(c, w);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        byName.forEach((name, t) -> shapes.put(name, t.shape()));
        List<GgufQuantMix.Choice> types = GgufQuantMix.choose(dtype, shapes, c.numLayers());
        List<GgufWriter.Entry> tensors = types.stream()
                .map(t -> new GgufWriter.Entry(t.tensor(), t.shape(), t.type(), byName.get(t.tensor()).data())).toList();
        GgufWriter.write(out, meta, tensors);
        return types;
    }

    /** The tensors llama.cpp reads, by its names in file order: the model's (less those of empty branches), then rotary factors. */
    private static Map<String, HostTensor> ggufTensors(ModelConfig c, Map<String, HostTensor> w) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String name : w.keySet()) if (!omitted(c, name)) out.put(GgufTensorNames.toGguf(c, name), w.get(name));
        out.putAll(ropeFactors(c));
        return out;
    }

    /** Fails in one line when llama.cpp's {@code arch} cannot hold this model in this type. */
    public static void requireWritable(ModelConfig c, GgufArch arch, Dtype dtype) {
        String why = unsupported(c, arch);
        if (why != null) throw new IllegalArgumentException("gguf export (" + arch.key + "): " + why);
        why = GgufQuantMix.unsupported(dtype, arch, c);
        if (why != null) throw new IllegalArgumentException("gguf export (" + arch.key + ", " + dtype.name().toLowerCase() + "): " + why);
    }

    /** Why llama.cpp's {@code arch} cannot hold this model as it is (one clause), or null when it can. */
    public static String unsupported(ModelConfig c, GgufArch arch) {
        if (c.architecture() != Architecture.LLAMA) return "architecture " + c.architecture() + " has no llama.cpp export in Shear";
        if (c.mlpBias()) return "MLP biases are not in llama.cpp's graphs";
        if (c.layers().stream().mapToInt(LayerWidths::headDim).distinct().count() != 1) return "head sizes differ between layers";
        if (c.layer(0).headDim() % 2 != 0) return "odd head size " + c.layer(0).headDim();
        if (c.outputBias() && c.layers().stream().anyMatch(l -> l.numHeads() == 0 || l.intermediateSize() == 0))
            return "output biases in a layer without heads or MLP channels (llama.cpp drops the whole branch; pad it with LlamaCppPlan)";
        if (!arch.perLayerWidths() && arch != GgufArch.LLAMA && !c.isUniform())
            return "layers of different widths (llama.cpp's " + arch.key + " takes one width for all; only deci runs per-layer widths)";
        return arch.adjacentRope ? llamaBlock(c) : familyBlock(c, arch);
    }

    /** llama and deci: the plain LLaMA block, full rotary, rotary scaling as factors llama.cpp has. */
    private static String llamaBlock(ModelConfig c) {
        Features f = c.features();
        if (f.qkNorm() || f.unitOffsetNorms() || f.sandwichNorms() || f.scaleEmbeddings() || f.activation() != Activation.SILU
                || f.attnSoftcap() > 0 || f.finalSoftcap() > 0 || f.queryPreAttnScalar() > 0)
            return c.family().hfClass + "'s block (q/k norms, Gemma norms, GeGLU or soft-caps) is not llama.cpp's llama/deci graph; use --arch "
                    + (GgufArch.of(c.family()) == null ? "auto" : GgufArch.of(c.family()).key);
        if (c.rotaryPct() != 1.0) return "partial rotary " + c.rotaryPct() + " (llama and deci rotate whole heads)";
        if (f.localRopeTheta() > 0) return "a separate rotary base for sliding layers";
        return null;
    }

    private static String familyBlock(ModelConfig c, GgufArch arch) {
        Features f = c.features();
        Family fam = c.family();
        if (GgufArch.of(fam) != arch && !(arch == GgufArch.QWEN2 && (fam == Family.LLAMA || fam == Family.MISTRAL)))
            return c.family().hfClass + " is not llama.cpp's " + arch.key + " (use --arch auto)";
        boolean fullHeads = c.layers().stream().allMatch(l -> l.qDim() == c.hiddenSize());
        if ((arch == GgufArch.QWEN2 || arch == GgufArch.PHI3) && !fullHeads)
            return "query heads x head size " + c.layer(0).qDim() + " is not hidden_size " + c.hiddenSize() + " (llama.cpp's " + arch.key
                    + " sizes q and o by it; deci or padding to all heads runs it)";
        if (c.outputBias()) return "o_proj/down_proj biases are not in llama.cpp's " + arch.key + " graph";
        if (f.ropeScaling() instanceof RopeScaling.Llama3) return "llama3 rope scaling (llama.cpp reads its factors only for llama/deci)";
        if (f.ropeScaling() instanceof RopeScaling.LongRope && arch != GgufArch.PHI3) return "longrope scaling outside phi3";
        return switch (arch) {
            case GEMMA2 -> gemma(c, arch, true);
            case GEMMA3 -> gemma(c, arch, false);
            case PHI3 -> f.ropeScaling() instanceof RopeScaling.Linear ? "linear rope scaling on phi3" : null;
            default -> null;
        };
    }

    /** llama.cpp fixes Gemma's score scale from the model size, caps Gemma 2 always, and slides layers in a period. */
    private static String gemma(ModelConfig c, GgufArch arch, boolean two) {
        Features f = c.features();
        int hd = c.layer(0).headDim(), n = c.numLayers();
        boolean big = two ? n == 46 : n == 62;                      // llama.cpp's 27B: scale by hidden / heads instead
        double expected = big ? (double) c.hiddenSize() / c.layer(0).numHeads() : hd;
        if (f.queryPreAttnScalar() != expected)
            return "query_pre_attn_scalar " + f.queryPreAttnScalar() + " (llama.cpp's " + arch.key + " scales scores by " + expected + "^-0.5)";
        if (two && !c.tiedEmbeddings()) return "untied embeddings (llama.cpp's gemma2 reads the output from token_embd)";
        if (two && (f.attnSoftcap() == 0 || f.finalSoftcap() == 0)) return "no attention or final soft-cap (llama.cpp's gemma2 always caps)";
        if (!two && f.attnSoftcap() > 0) return "attention soft-capping (not in llama.cpp's gemma3)";
        if (f.slidingWindow() > 0 && HfConfigJson.period(f.slidingLayers()) == 0)
            return "sliding layers " + f.slidingLayers() + " (llama.cpp takes every p-th layer global, the rest sliding)";
        if (two && f.slidingWindow() > 0 && HfConfigJson.period(f.slidingLayers()) != 2)
            return "sliding layers not alternating (llama.cpp's gemma2)";
        if (!(f.ropeScaling() instanceof RopeScaling.None || f.ropeScaling() instanceof RopeScaling.Linear || f.ropeScaling() instanceof RopeScaling.Dynamic))
            return f.ropeScaling().type() + " rope scaling on " + arch.key;
        if (!two && f.slidingWindow() > 0 && f.localRopeTheta() == 0 && !(f.ropeScaling() instanceof RopeScaling.None))
            return "rope scaling on sliding layers (llama.cpp's gemma3 rotates them unscaled)";
        return null;
    }

    /** Keys under the architecture's prefix; per-layer widths are arrays only when they differ. */
    static Map<String, GgufValue> hyperparameters(ModelConfig c, GgufArch arch) {
        String p = arch.key + ".";
        int hd = c.layer(0).headDim();
        Features f = c.features();
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
        m.put(p + "rope.dimension_count", GgufValue.u32(c.rotaryDim(0)));
        m.put(p + "rope.freq_base", GgufValue.f32(c.ropeTheta()));
        m.put(p + "attention.layer_norm_rms_epsilon", GgufValue.f32(c.normEps()));
        m.put(p + "vocab_size", GgufValue.u32(c.vocabSize()));
        ropeScaling(f.ropeScaling(), arch, p, m);
        if (f.slidingWindow() > 0 && (arch == GgufArch.GEMMA2 || arch == GgufArch.GEMMA3)) {
            m.put(p + "attention.sliding_window", GgufValue.u32(f.slidingWindow()));
            m.put(p + "attention.sliding_window_pattern", GgufValue.u32(HfConfigJson.period(f.slidingLayers())));
        }
        if (arch == GgufArch.PHI3) m.put(p + "attention.sliding_window", GgufValue.u32(0));     // llama.cpp runs Phi-3 without its window
        if (arch == GgufArch.GEMMA2) m.put(p + "attn_logit_softcapping", GgufValue.f32(f.attnSoftcap()));
        if ((arch == GgufArch.GEMMA2 || arch == GgufArch.GEMMA3) && f.finalSoftcap() > 0) m.put(p + "final_logit_softcapping", GgufValue.f32(f.finalSoftcap()));
        if (arch == GgufArch.GEMMA3) m.put(p + "rope.freq_base_swa", GgufValue.f32(f.localRopeTheta() > 0 ? f.localRopeTheta() : c.ropeTheta()));
        return m;
    }

    /** Linear: llama.cpp's scaling keys; LongRoPE: its attention factor and original context (factors are tensors). */
    private static void ropeScaling(RopeScaling s, GgufArch arch, String p, Map<String, GgufValue> m) {
        if (s instanceof RopeScaling.Linear l) {
            m.put(p + "rope.scaling.type", GgufValue.string("linear"));
            m.put(p + "rope.scaling.factor", GgufValue.f32(l.factor()));
        } else if (s instanceof RopeScaling.LongRope l) {
            if (arch != GgufArch.PHI3) m.put(p + "rope.scaling.type", GgufValue.string("longrope"));   // llama/deci load the factors only then
            m.put(p + "rope.scaling.attn_factor", GgufValue.f32(l.attentionFactor()));
            m.put(p + "rope.scaling.original_context_length", GgufValue.u32(l.originalMax()));
        }
    }

    /** Llama 3's frequency divisors (rope_freqs) and LongRoPE's short and long factors, as llama.cpp reads them. */
    private static Map<String, HostTensor> ropeFactors(ModelConfig c) {
        RopeScaling s = c.features().ropeScaling();
        if (s instanceof RopeScaling.Llama3 l) return Map.of(GgufTensorNames.ROPE_FREQS, factors(l.divisors(c.rotaryDim(0), c.ropeTheta())));
        if (s instanceof RopeScaling.LongRope l) {
            Map<String, HostTensor> m = new LinkedHashMap<>();
            m.put(GgufTensorNames.ROPE_LONG, factors(l.longFactor().stream().mapToDouble(Double::doubleValue).toArray()));
            m.put(GgufTensorNames.ROPE_SHORT, factors(l.shortFactor().stream().mapToDouble(Double::doubleValue).toArray()));
            return m;
        }
        return Map.of();
    }

    private static HostTensor factors(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
        return new HostTensor(new long[] {f.length}, f);
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

    /** Gemma's norms scale by (1 + w); llama.cpp's by w, so the stored weight is 1 + w. */
    static Map<String, HostTensor> unitOffset(Map<String, HostTensor> weights) {
        Map<String, HostTensor> w = new LinkedHashMap<>(weights);
        for (Map.Entry<String, HostTensor> e : weights.entrySet()) {
            if (!e.getKey().endsWith("norm.weight")) continue;
            float[] d = e.getValue().data().clone();
            for (int i = 0; i < d.length; i++) d[i] += 1f;
            w.put(e.getKey(), new HostTensor(e.getValue().shape(), d));
        }
        return w;
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
