package dev.shear.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Hugging Face {@code config.json} for LLaMA, Mistral, Qwen2 and GPT-NeoX causal LMs, read into a
 * {@link ModelConfig} (always HALF rotary layout) and written back.
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
    private static final Logger LOG = LoggerFactory.getLogger(HfConfigJson.class);
    private static final int MAX_SIZE = 1 << 24;
    private static final List<String> KNOWN = List.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "GPTNeoXForCausalLM");

    private HfConfigJson() {}

    public static ModelConfig read(Path file) { return parse(JsonFiles.read(file), file); }

    /** Parses a config tree; {@code file} names the source in messages. */
    public static ModelConfig parse(JsonNode root, Object file) {
        Fields f = new Fields(root, file);
        String arch = architecture(f);
        return arch.equals("GPTNeoXForCausalLM") ? neox(f) : llama(f, arch);
    }

    private static String architecture(Fields f) {
        JsonNode archs = f.root.get("architectures");
        String arch = archs != null && archs.isArray() && archs.size() > 0 && archs.get(0).isTextual() ? archs.get(0).textValue()
                : fromModelType(f.root.path("model_type").asText(""));
        if (!KNOWN.contains(arch)) throw ShearFormatException.of(f.file, "architecture " + arch + " is not supported", "one of " + KNOWN);
        return arch;
    }

    private static String fromModelType(String type) {
        return switch (type) {
            case "llama" -> "LlamaForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "gpt_neox" -> "GPTNeoXForCausalLM";
            default -> type.isEmpty() ? "(none)" : "model_type " + type;
        };
    }

    // ---- LLaMA family -------------------------------------------------------------------------------

    private static ModelConfig llama(Fields f, String arch) {
        int hidden = f.positive("hidden_size"), heads = f.positive("num_attention_heads");
        int headDim = f.has("head_dim") ? f.positive("head_dim") : divide(f, hidden, heads);
        List<LayerWidths> layers = layers(f, heads, f.has("num_key_value_heads") ? f.positive("num_key_value_heads") : heads, headDim, false);
        requireNull(f, "rope_scaling");
        requireText(f, "hidden_act", "silu");
        warnSlidingWindow(f);
        boolean[] bias = llamaBiases(f, arch);
        return new ModelConfig(Architecture.LLAMA, hidden, f.positive("vocab_size"), f.positive("max_position_embeddings"), layers,
                f.decimal("rms_norm_eps", 1e-6), ropeTheta(f, "rope_theta"), RopeLayout.HALF, 1.0,
                f.bool("tie_word_embeddings", false), bias[0], bias[1], bias[2], false,
                f.tokenId("bos_token_id", 1), f.tokenId("eos_token_id", 2));
    }

    /** {attention (q/k/v), output (o/down), mlp (gate/up)}. */
    private static boolean[] llamaBiases(Fields f, String arch) {
        if (arch.equals("Qwen2ForCausalLM")) return new boolean[] {true, false, false};
        boolean attention = f.bool("attention_bias", false), mlp = f.bool("mlp_bias", false);
        if (f.has("output_bias")) return new boolean[] {attention, f.bool("output_bias", false), mlp};
        if (attention != mlp)
            throw ShearFormatException.of(f.file, "attention_bias " + attention + " with mlp_bias " + mlp
                    + " (o_proj and down_proj biases differ)", "both or neither, or Shear's output_bias flag");
        return new boolean[] {attention, attention, attention};
    }

    /** Shear attends over the whole context; a sliding window only matters beyond its length. */
    private static void warnSlidingWindow(Fields f) {
        JsonNode window = f.root.get("sliding_window");
        if (window != null && window.isIntegralNumber() && f.bool("use_sliding_window", true)
                && window.intValue() < f.root.path("max_position_embeddings").asInt(0))
            LOG.warn("{}: sliding_window {} is ignored; sequences longer than it attend to the full context", f.file, window.intValue());
    }

    private static double ropeTheta(Fields f, String key) {
        JsonNode params = f.root.get("rope_parameters");
        if (params == null || params.isNull()) return f.decimal(key, 10000.0);
        Fields p = new Fields(params, f.file + " rope_parameters");
        requireText(p, "rope_type", "default");
        return p.decimal("rope_theta", f.decimal(key, 10000.0));
    }

    // ---- GPT-NeoX ------------------------------------------------------------------------------------

    private static ModelConfig neox(Fields f) {
        int hidden = f.positive("hidden_size"), heads = f.positive("num_attention_heads");
        List<LayerWidths> layers = layers(f, heads, heads, divide(f, hidden, heads), true);
        requireText(f, "hidden_act", "gelu");
        requireNull(f, "rope_scaling");
        if (!f.bool("attention_bias", true)) throw ShearFormatException.of(f.file, "attention_bias false", "true (GPT-NeoX biases)");
        double pct = f.decimal("rotary_pct", 0.25);
        if (!(pct > 0 && pct <= 1)) throw ShearFormatException.of(f.file, "rotary_pct " + pct, "a value in (0, 1]");
        return new ModelConfig(Architecture.NEOX, hidden, f.positive("vocab_size"), f.positive("max_position_embeddings"), layers,
                f.decimal("layer_norm_eps", 1e-5), ropeTheta(f, "rotary_emb_base"), RopeLayout.HALF, pct,
                f.bool("tie_word_embeddings", false), true, true, true, f.bool("use_parallel_residual", true),
                f.tokenId("bos_token_id", 0), f.tokenId("eos_token_id", 2));
    }

    // ---- shared reading ------------------------------------------------------------------------------

    /** @param kvFollowsHeads GPT-NeoX: every query head has its own kv head */
    private static List<LayerWidths> layers(Fields f, int heads, int kvHeads, int headDim, boolean kvFollowsHeads) {
        int n = f.positive("num_hidden_layers");
        int[] h = f.perLayer("layer_num_attention_heads", n, heads);
        int[] kv = kvFollowsHeads ? h : f.perLayer("layer_num_key_value_heads", n, kvHeads);
        int[] mlp = f.perLayer("layer_intermediate_size", n, f.positive("intermediate_size"));
        List<LayerWidths> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                out.add(new LayerWidths(h[i], kv[i], headDim, mlp[i]));
            } catch (IllegalArgumentException e) {
                throw ShearFormatException.of(f.file, "layer " + i + ": " + e.getMessage(), "consistent per-layer widths", e);
            }
        }
        return out;
    }

    private static int divide(Fields f, int hidden, int heads) {
        if (hidden % heads != 0)
            throw ShearFormatException.of(f.file, "hidden_size " + hidden + " is not divisible by num_attention_heads " + heads, "a head_dim entry or a multiple");
        return hidden / heads;
    }

    private static void requireNull(Fields f, String key) {
        JsonNode v = f.root.get(key);
        if (v != null && !v.isNull()) throw ShearFormatException.of(f.file, key + " " + v + " is not supported", "null");
    }

    private static void requireText(Fields f, String key, String expected) {
        JsonNode v = f.root.get(key);
        if (v != null && !v.isNull() && !expected.equals(v.asText())) throw ShearFormatException.of(f.file, key + " " + v, "\"" + expected + "\"");
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
        o.put("max_position_embeddings", c.maxSeqLen());
        o.put("vocab_size", c.vocabSize());
        o.put("tie_word_embeddings", c.tiedEmbeddings());
        o.put("bos_token_id", c.bosId());
        o.put("eos_token_id", c.eosId());
        o.put("torch_dtype", torchDtype);
        if (!c.isUniform()) perLayerJson(c, o);
        return o;
    }

    private static void llamaJson(ModelConfig c, ObjectNode o) {
        boolean a = c.attentionBias(), out = c.outputBias(), m = c.mlpBias();
        boolean qwen2 = a && !out && !m;     // q/k/v biases only: what Qwen2 means, and stock Llama cannot say
        o.putArray("architectures").add(qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
        o.put("model_type", qwen2 ? "qwen2" : "llama");
        o.put("num_key_value_heads", max(c, LayerWidths::numKvHeads));
        o.put("head_dim", c.layer(0).headDim());
        o.put("rms_norm_eps", c.normEps());
        o.put("rope_theta", c.ropeTheta());
        o.put("hidden_act", "silu");
        o.put("attention_bias", qwen2 ? true : a);
        o.put("mlp_bias", m);
        if (!qwen2 && !(a == out && m == out)) o.put("output_bias", out);     // stock semantics cannot say it
        if (qwen2) o.put("use_sliding_window", false);
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

    /** Typed, bounded access to the fields of one JSON object. */
    private record Fields(JsonNode root, Object file) {
        boolean has(String key) { return root.has(key) && !root.get(key).isNull(); }

        int positive(String key) {
            if (!has(key)) throw ShearFormatException.of(file, key + " is missing", "a positive integer");
            return integer(key, root.get(key), 1);
        }

        int integer(String key, JsonNode v, int min) {
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > MAX_SIZE)
                throw ShearFormatException.of(file, key + " " + v, "an integer in " + min + ".." + MAX_SIZE);
            return v.intValue();
        }

        double decimal(String key, double dflt) {
            if (!has(key)) return dflt;
            JsonNode v = root.get(key);
            if (!v.isNumber() || !Double.isFinite(v.doubleValue()) || v.doubleValue() < 0)
                throw ShearFormatException.of(file, key + " " + v, "a finite non-negative number");
            return v.doubleValue();
        }

        boolean bool(String key, boolean dflt) {
            if (!has(key)) return dflt;
            if (!root.get(key).isBoolean()) throw ShearFormatException.of(file, key + " " + root.get(key), "true or false");
            return root.get(key).booleanValue();
        }

        /** A token id, or the first of a list of ids (Llama 3 lists several eos ids); -1 when null. */
        int tokenId(String key, int dflt) {
            if (!root.has(key)) return dflt;
            JsonNode v = root.get(key);
            if (v.isNull()) return -1;
            if (v.isArray() && v.size() > 0) v = v.get(0);
            return integer(key, v, 0);
        }

        int[] perLayer(String key, int layers, int scalar) {
            int[] out = new int[layers];
            java.util.Arrays.fill(out, scalar);
            if (!has(key)) return out;
            JsonNode arr = root.get(key);
            if (!arr.isArray() || arr.size() != layers)
                throw ShearFormatException.of(file, key + " has " + (arr.isArray() ? arr.size() + " entries" : "type " + arr.getNodeType()),
                        "an array of " + layers + " (num_hidden_layers)");
            for (int i = 0; i < layers; i++) out[i] = integer(key + "[" + i + "]", arr.get(i), 0);
            return out;
        }
    }
}
