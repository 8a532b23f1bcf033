package dev.shear.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.model.Activation;
import dev.shear.model.Architecture;
import dev.shear.model.Family;
import dev.shear.model.Features;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.RopeScaling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Hugging Face {@code config.json} for the families of {@link Family}, read into a
 * {@link ModelConfig} (always HALF rotary layout) and written back so that the family's stock
 * class loads a model with uniform widths. Config features Shear does not run are refused with one
 * line naming the feature and the file.
 *
 * <p>Shear extensions, written only when needed:
 * <ul>
 * <li>{@code layer_num_attention_heads}, {@code layer_num_key_value_heads},
 *     {@code layer_intermediate_size}: per-layer widths of a pruned model; they override the
 *     scalars. For such models the scalars hold the <em>maximum</em> over layers, so any tool sizing
 *     buffers from them never under-allocates (stock transformers cannot load these models anyway).</li>
 * <li>{@code output_bias}: biases on o_proj and down_proj (FLAP's bias compensation). Its presence
 *     switches to Shear's bias semantics: {@code attention_bias} then means q/k/v only and
 *     {@code mlp_bias} gate/up only. Without it, stock semantics hold: {@code attention_bias} covers
 *     q/k/v/o and {@code mlp_bias} gate/up/down.</li>
 * </ul>
 */
public final class HfConfigJson {
    public static final String FILE = "config.json";
    private static final List<String> KNOWN = Arrays.stream(Family.values()).map(f -> f.hfClass).toList();

    private HfConfigJson() {}

    public static ModelConfig read(Path file) { return parse(JsonFiles.read(file), file); }

    /** Parses a config tree; {@code file} names the source in messages. */
    public static ModelConfig parse(JsonNode root, Object file) {
        ConfigFields f = new ConfigFields(root, file);
        Family family = family(f);
        refuseUnsupported(f, family);
        return family == Family.GPT_NEOX ? neox(f) : llama(f, family);
    }

    private static Family family(ConfigFields f) {
        JsonNode archs = f.root().get("architectures");
        String arch = archs != null && archs.isArray() && archs.size() > 0 && archs.get(0).isTextual() ? archs.get(0).textValue() : null;
        String type = f.root().path("model_type").asText("");
        Family fam = arch != null ? Family.of(arch) : Family.of(type);
        if (fam == null || (arch != null && !arch.equals(fam.hfClass)))
            throw ShearFormatException.of(f.file(), "architecture " + (arch != null ? arch : type.isEmpty() ? "(none)" : "model_type " + type)
                    + " is not supported", "one of " + KNOWN);
        return fam;
    }

    /** Config features that change the math and that Shear does not run: one line each. */
    private static void refuseUnsupported(ConfigFields f, Family family) {
        if (f.has("quantization_config")) throw f.unsupported("quantization_config (a quantized checkpoint)", "unquantized weights");
        if (f.bool("use_bidirectional_attention", false)) throw f.unsupported("use_bidirectional_attention", "causal attention");
        for (String moe : List.of("num_local_experts", "num_experts"))
            if (f.integer(moe, 0, 0) > 0) throw f.unsupported(moe + " (mixture of experts)", "a dense model");
        if (family != Family.GEMMA2 && family != Family.GEMMA3) {
            for (String cap : List.of("attn_logit_softcapping", "final_logit_softcapping"))
                if (f.decimal(cap, 0) > 0) throw f.unsupported(cap + " on " + family.hfClass, "soft-capping only on Gemma");
        }
    }

    // ---- LLaMA block families ---------------------------------------------------------------------

    private static ModelConfig llama(ConfigFields f, Family family) {
        int hidden = f.positive("hidden_size"), heads = f.positive("num_attention_heads");
        int headDim = f.has("head_dim") ? f.positive("head_dim") : divide(f, hidden, heads);
        int n = f.positive("num_hidden_layers", ConfigFields.MAX_LAYERS);
        List<LayerWidths> layers = layers(f, n, heads, f.has("num_key_value_heads") ? f.positive("num_key_value_heads") : heads, headDim, false);
        Activation act = activation(f, family);
        int maxPositions = f.positive("max_position_embeddings");
        Rope rope = rope(f, family, maxPositions);
        Features features = Features.of(family).withRopeScaling(rope.global()).withSlidingWindow(window(f, family, n), slidingLayers(f, family, n),
                rope.localTheta());
        if (family == Family.GEMMA2 || family == Family.GEMMA3)
            features = features.withSoftcaps(f.decimal("attn_logit_softcapping", 0), f.decimal("final_logit_softcapping", 0))
                    .withQueryPreAttnScalar(f.decimal("query_pre_attn_scalar", headDim));
        if (features.activation() != act) throw f.unsupported("hidden activation " + act.hfName + " on " + family.hfClass, features.activation().hfName);
        double rotary = f.decimal("partial_rotary_factor", 1.0);
        if (!(rotary > 0 && rotary <= 1)) throw ShearFormatException.of(f.file(), "partial_rotary_factor " + rotary, "a value in (0, 1]");
        boolean[] bias = biases(f, family);
        int context = rope.global() instanceof RopeScaling.Dynamic d ? (int) Math.min(ConfigFields.MAX_SIZE, Math.round(maxPositions * d.factor())) : maxPositions;
        ModelConfig c = new ModelConfig(Architecture.LLAMA, hidden, f.positive("vocab_size"), context, layers,
                f.decimal("rms_norm_eps", 1e-6), rope.theta(), RopeLayout.HALF, rotary, f.bool("tie_word_embeddings", tiedByDefault(family)),
                bias[0], bias[1], bias[2], false, f.tokenId("bos_token_id", 1), f.tokenId("eos_token_id", 2), features);
        checkRopeFactors(f, c);
        return c;
    }

    private static boolean tiedByDefault(Family family) { return family == Family.GEMMA2 || family == Family.GEMMA3; }

    private static Activation activation(ConfigFields f, Family family) {
        String key = f.has("hidden_activation") ? "hidden_activation" : "hidden_act";
        String name = f.text(key, Features.of(family).activation().hfName);
        for (Activation a : Activation.values()) if (a.hfName.equals(name)) return a;
        throw f.unsupported(key + " " + name, "silu or gelu_pytorch_tanh");
    }

    /** {attention (q/k/v), output (o/down), mlp (gate/up)}. */
    private static boolean[] biases(ConfigFields f, Family family) {
        boolean attention = f.bool("attention_bias", family == Family.QWEN2), mlp = f.bool("mlp_bias", false);
        if (f.has("output_bias")) return new boolean[] {attention, f.bool("output_bias", false), mlp};
        if (family == Family.QWEN2) {
            if (mlp) throw f.unsupported("mlp_bias on Qwen2ForCausalLM", "no MLP biases");
            return new boolean[] {true, false, false};
        }
        if (family != Family.LLAMA && mlp) throw f.unsupported("mlp_bias on " + family.hfClass, "no MLP biases (or Shear's output_bias flag)");
        if (family != Family.LLAMA) return new boolean[] {attention, attention, false};
        if (attention != mlp)
            throw ShearFormatException.of(f.file(), "attention_bias " + attention + " with mlp_bias " + mlp
                    + " (o_proj and down_proj biases differ)", "both or neither, or Shear's output_bias flag");
        return new boolean[] {attention, attention, attention};
    }

    /** The global rotary base and scaling, and the sliding layers' own base (0: the same rotation). */
    private record Rope(double theta, RopeScaling global, double localTheta) {}

    private static Rope rope(ConfigFields f, Family family, int maxPositions) {
        JsonNode params = f.root().get("rope_parameters");
        if (params != null && params.isObject() && params.has("full_attention")) {        // per layer type (newer Gemma 3 configs)
            ConfigFields global = f.child("rope_parameters").child("full_attention");
            double local = 0;
            if (params.has("sliding_attention")) {
                ConfigFields s = f.child("rope_parameters").child("sliding_attention");
                if (!(HfRopeScaling.read(s, f, maxPositions) instanceof RopeScaling.None))
                    throw s.unsupported("rope scaling on sliding layers", "default rope_type");
                local = s.positiveDecimal("rope_theta", 10000.0);
            }
            return new Rope(global.positiveDecimal("rope_theta", f.positiveDecimal("rope_theta", 10000.0)), HfRopeScaling.read(global, f, maxPositions), local);
        }
        ConfigFields scaling = params != null && params.isObject() ? f.child("rope_parameters") : f.has("rope_scaling") ? f.child("rope_scaling") : null;
        double theta = scaling != null && scaling.has("rope_theta") ? scaling.positiveDecimal("rope_theta", 10000.0) : f.positiveDecimal("rope_theta", 10000.0);
        RopeScaling s = scaling == null ? RopeScaling.NONE : HfRopeScaling.read(scaling, f, maxPositions);
        return new Rope(theta, s, family == Family.GEMMA3 ? f.positiveDecimal("rope_local_base_freq", 10000.0) : 0);
    }

    /** LongRoPE lists one factor per rotated frequency pair. */
    private static void checkRopeFactors(ConfigFields f, ModelConfig c) {
        if (c.features().ropeScaling() instanceof RopeScaling.LongRope l && l.shortFactor().size() != c.rotaryDim(0) / 2)
            throw ShearFormatException.of(f.file(), "rope_scaling has " + l.shortFactor().size() + " short/long factors",
                    c.rotaryDim(0) / 2 + " (rotary dimensions / 2)");
    }

    /** The keys a sliding layer sees; 0 when no layer slides. */
    private static int window(ConfigFields f, Family family, int layers) {
        if ((family == Family.QWEN2 || family == Family.QWEN3) && !f.bool("use_sliding_window", false)) return 0;
        if (family == Family.LLAMA) return 0;
        int dflt = family == Family.GEMMA2 || family == Family.GEMMA3 ? 4096 : 0;
        return f.has("sliding_window") ? f.integer("sliding_window", f.root().get("sliding_window"), 1) : f.root().has("sliding_window") ? 0 : dflt;
    }

    /** Which layers slide: config.json's layer_types, else each family's fixed pattern. */
    private static List<Boolean> slidingLayers(ConfigFields f, Family family, int n) {
        if (window(f, family, n) == 0) return List.of();
        List<Boolean> out = new ArrayList<>(n);
        if (f.has("layer_types")) {
            JsonNode types = f.root().get("layer_types");
            if (!types.isArray() || types.size() != n) throw ShearFormatException.of(f.file(), "layer_types has " + types.size() + " entries", n + " (num_hidden_layers)");
            for (JsonNode t : types) {
                String kind = t.asText();
                if (!kind.equals("sliding_attention") && !kind.equals("full_attention"))
                    throw f.unsupported("layer type " + kind, "full_attention or sliding_attention");
                out.add(kind.equals("sliding_attention"));
            }
            return out;
        }
        int pattern = family == Family.GEMMA3 ? f.integer("sliding_window_pattern", 1, 6) : 2;
        int fromLayer = f.integer("max_window_layers", 0, 0);
        for (int i = 0; i < n; i++) {
            out.add(switch (family) {
                case GEMMA2 -> i % 2 == 0;
                case GEMMA3 -> (i + 1) % pattern != 0;
                case QWEN2, QWEN3 -> i >= fromLayer;
                default -> true;
            });
        }
        return out;
    }

    // ---- GPT-NeoX ------------------------------------------------------------------------------------

    private static ModelConfig neox(ConfigFields f) {
        int hidden = f.positive("hidden_size"), heads = f.positive("num_attention_heads");
        List<LayerWidths> layers = layers(f, f.positive("num_hidden_layers", ConfigFields.MAX_LAYERS), heads, heads, divide(f, hidden, heads), true);
        String act = f.text("hidden_act", "gelu");
        if (!act.equals("gelu")) throw ShearFormatException.of(f.file(), "hidden_act \"" + act + "\"", "\"gelu\"");
        if (f.has("rope_scaling")) throw f.unsupported("rope_scaling " + f.root().get("rope_scaling") + " on GPTNeoXForCausalLM", "null");
        if (!f.bool("attention_bias", true)) throw ShearFormatException.of(f.file(), "attention_bias false", "true (GPT-NeoX biases)");
        double pct = f.decimal("rotary_pct", 0.25);
        if (!(pct > 0 && pct <= 1)) throw ShearFormatException.of(f.file(), "rotary_pct " + pct, "a value in (0, 1]");
        return new ModelConfig(Architecture.NEOX, hidden, f.positive("vocab_size"), f.positive("max_position_embeddings"), layers,
                f.decimal("layer_norm_eps", 1e-5), neoxTheta(f), RopeLayout.HALF, pct,
                f.bool("tie_word_embeddings", false), true, true, true, f.bool("use_parallel_residual", true),
                f.tokenId("bos_token_id", 0), f.tokenId("eos_token_id", 2));
    }

    private static double neoxTheta(ConfigFields f) {
        if (!f.has("rope_parameters")) return f.positiveDecimal("rotary_emb_base", 10000.0);
        ConfigFields p = f.child("rope_parameters");
        String type = p.text("rope_type", "default");
        if (!type.equals("default")) throw p.unsupported("rope_type " + type + " on GPTNeoXForCausalLM", "default");
        return p.positiveDecimal("rope_theta", f.positiveDecimal("rotary_emb_base", 10000.0));
    }

    // ---- shared reading ------------------------------------------------------------------------------

    /** @param kvFollowsHeads GPT-NeoX: every query head has its own kv head */
    private static List<LayerWidths> layers(ConfigFields f, int n, int heads, int kvHeads, int headDim, boolean kvFollowsHeads) {
        int[] h = f.perLayer("layer_num_attention_heads", n, heads);
        int[] kv = kvFollowsHeads ? h : f.perLayer("layer_num_key_value_heads", n, kvHeads);
        int[] mlp = f.perLayer("layer_intermediate_size", n, f.positive("intermediate_size"));
        List<LayerWidths> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                out.add(new LayerWidths(h[i], kv[i], headDim, mlp[i]));
            } catch (IllegalArgumentException e) {
                throw ShearFormatException.of(f.file(), "layer " + i + ": " + e.getMessage(), "consistent per-layer widths", e);
            }
        }
        return out;
    }

    private static int divide(ConfigFields f, int hidden, int heads) {
        if (hidden % heads != 0)
            throw ShearFormatException.of(f.file(), "hidden_size " + hidden + " is not divisible by num_attention_heads " + heads, "a head_dim entry or a multiple");
        return hidden / heads;
    }

    // ---- writing ---------------------------------------------------------------------------------------

    /** Writes {@code config.json} atomically; tensors are stored as {@code torchDtype} ("float32", "float16", ...). */
    public static void write(ModelConfig config, Path file, String torchDtype) {
        AtomicFiles.writeBytes(file, JsonFiles.pretty(toJson(config, torchDtype)));
    }

    public static void write(ModelConfig config, Path file) { write(config, file, "float32"); }

    public static ObjectNode toJson(ModelConfig c, String torchDtype) {
        if (c.ropeLayout() != RopeLayout.HALF)
            throw new IllegalArgumentException("config.json: rope layout " + c.ropeLayout() + ", expected HALF (permute q/k rows first)");
        int headDim = c.layer(0).headDim();
        if (c.layers().stream().anyMatch(l -> l.headDim() != headDim))
            throw new IllegalArgumentException("config.json: layers differ in headDim, expected one headDim for all layers");
        ObjectNode o = JsonFiles.MAPPER.createObjectNode();
        if (c.architecture() == Architecture.NEOX) neoxJson(c, o);
        else llamaJson(c, o);
        o.put("hidden_size", c.hiddenSize());
        o.put("intermediate_size", max(c, LayerWidths::intermediateSize));
        o.put("num_hidden_layers", c.numLayers());
        o.put("num_attention_heads", max(c, LayerWidths::numHeads));
        o.put("max_position_embeddings", maxPositions(c));
        o.put("vocab_size", c.vocabSize());
        o.put("tie_word_embeddings", c.tiedEmbeddings());
        o.put("bos_token_id", c.bosId());
        o.put("eos_token_id", c.eosId());
        o.put("torch_dtype", torchDtype);
        if (!c.isUniform()) perLayerJson(c, o);
        return o;
    }

    /** max_position_embeddings: the context, except dynamic NTK scaling, whose context runs past it by its factor. */
    private static int maxPositions(ModelConfig c) {
        return c.features().ropeScaling() instanceof RopeScaling.Dynamic d ? d.originalMax() : c.maxSeqLen();
    }

    private static void llamaJson(ModelConfig c, ObjectNode o) {
        Family family = c.family();
        boolean a = c.attentionBias(), out = c.outputBias(), m = c.mlpBias();
        if (family == Family.LLAMA && a && !out && !m) family = Family.QWEN2;   // q/k/v biases only: what Qwen2 means, and stock Llama cannot say
        if (family == Family.QWEN2 && !(a && !out && !m)) family = Family.LLAMA; // FLAP's output biases: Llama with Shear's flags
        o.putArray("architectures").add(family.hfClass);
        o.put("model_type", family.modelType);
        o.put("num_key_value_heads", max(c, LayerWidths::numKvHeads));
        o.put("head_dim", c.layer(0).headDim());
        o.put("rms_norm_eps", c.normEps());
        o.put("rope_theta", c.ropeTheta());
        ObjectNode scaling = HfRopeScaling.write(c.features().ropeScaling(), maxPositions(c), family == Family.PHI3);
        if (scaling != null) o.set("rope_scaling", scaling);
        o.put(family == Family.GEMMA2 || family == Family.GEMMA3 ? "hidden_activation" : "hidden_act", c.features().activation().hfName);
        if (c.rotaryPct() != 1.0) o.put("partial_rotary_factor", c.rotaryPct());
        biasesJson(c, o, family);
        familyJson(c, o, family);
    }

    private static void biasesJson(ModelConfig c, ObjectNode o, Family family) {
        boolean a = c.attentionBias(), out = c.outputBias(), m = c.mlpBias();
        if (family == Family.QWEN2) {
            o.put("attention_bias", true);
            return;
        }
        o.put("attention_bias", a);
        if (m || family == Family.LLAMA) o.put("mlp_bias", m);
        boolean stock = family == Family.LLAMA ? a == out && m == out : a == out && !m;
        if (!stock) o.put("output_bias", out);                   // stock semantics cannot say it
    }

    /** What each family's config class needs beyond LLaMA's: windows, soft-caps, scales, the LongRoPE context. */
    private static void familyJson(ModelConfig c, ObjectNode o, Family family) {
        Features f = c.features();
        int window = f.slidingWindow();
        switch (family) {
            case MISTRAL -> o.set("sliding_window", window == 0 ? null : o.numberNode(window));
            case QWEN2, QWEN3 -> {
                o.put("use_sliding_window", window > 0);
                if (window > 0) {
                    o.put("sliding_window", window);
                    o.put("max_window_layers", f.slidingLayers().indexOf(true));
                    layerTypes(f, o);
                }
            }
            case PHI3 -> {
                o.set("sliding_window", window == 0 ? null : o.numberNode(window));
                if (f.ropeScaling() instanceof RopeScaling.LongRope l) o.put("original_max_position_embeddings", l.originalMax());
            }
            case GEMMA2, GEMMA3 -> {
                o.put("query_pre_attn_scalar", f.queryPreAttnScalar());
                o.set("attn_logit_softcapping", f.attnSoftcap() > 0 ? o.numberNode(f.attnSoftcap()) : null);
                o.set("final_logit_softcapping", f.finalSoftcap() > 0 ? o.numberNode(f.finalSoftcap()) : null);
                o.put("sliding_window", window > 0 ? window : c.maxSeqLen());
                if (window > 0) layerTypes(f, o);
                if (family == Family.GEMMA3) {
                    o.put("rope_local_base_freq", f.localRopeTheta() > 0 ? f.localRopeTheta() : c.ropeTheta());
                    int period = period(f.slidingLayers());
                    if (period > 0) o.put("sliding_window_pattern", period);
                }
            }
            default -> { }
        }
    }

    private static void layerTypes(Features f, ObjectNode o) {
        ArrayNode types = o.putArray("layer_types");
        for (boolean s : f.slidingLayers()) types.add(s ? "sliding_attention" : "full_attention");
    }

    /**
     * p when every p-th layer (1-based) is global and the rest slide, as Gemma 3's sliding_window_pattern
     * (and llama.cpp's) says; layers + 1 when all slide; else 0.
     */
    static int period(List<Boolean> sliding) {
        if (!sliding.isEmpty() && !sliding.contains(false)) return sliding.size() + 1;
        int p = sliding.indexOf(false) + 1;
        if (p <= 0) return 0;
        for (int i = 0; i < sliding.size(); i++) if (sliding.get(i) != ((i + 1) % p != 0)) return 0;
        return p;
    }

    private static void neoxJson(ModelConfig c, ObjectNode o) {
        if (!c.attentionBias() || !c.outputBias() || !c.mlpBias())
            throw new IllegalArgumentException("config.json: GPT-NeoX without all linear biases cannot be described, expected all biases");
        o.putArray("architectures").add("GPTNeoXForCausalLM");
        o.put("model_type", "gpt_neox");
        o.put("rotary_pct", c.rotaryPct());
        o.put("rotary_emb_base", c.ropeTheta());
        o.put("layer_norm_eps", c.normEps());
        o.put("use_parallel_residual", c.parallelResidual());
        o.put("hidden_act", "gelu");
        o.put("attention_bias", true);
    }

    private static void perLayerJson(ModelConfig c, ObjectNode o) {
        ArrayNode heads = o.putArray("layer_num_attention_heads"), mlp = o.putArray("layer_intermediate_size");
        ArrayNode kv = c.architecture() == Architecture.NEOX ? null : o.putArray("layer_num_key_value_heads");
        for (LayerWidths l : c.layers()) {
            heads.add(l.numHeads());
            if (kv != null) kv.add(l.numKvHeads());
            mlp.add(l.intermediateSize());
        }
    }

    private static int max(ModelConfig c, ToIntFunction<LayerWidths> width) {
        return c.layers().stream().mapToInt(width).max().orElse(0);
    }
}
