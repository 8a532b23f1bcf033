package dev.shear.model;

import java.util.LinkedHashMap;

/**
 * Hugging Face parameter names, the keys of every weight map in Shear, and the exact set of
 * tensors a {@link ModelConfig} requires. Shapes are {@code [out, in]} as nn.Linear stores them.
 */
public final class WeightNames {
    private WeightNames() {}

    /** The linear layers of a LLaMA decoder layer. */
    public enum Linear {
        Q("self_attn.q_proj"), K("self_attn.k_proj"), V("self_attn.v_proj"), O("self_attn.o_proj"),
        GATE("mlp.gate_proj"), UP("mlp.up_proj"), DOWN("mlp.down_proj");

        private final String path;

        Linear(String path) { this.path = path; }

        public String weight(int layer) { return layerPrefix(layer) + path + ".weight"; }

        public String bias(int layer) { return layerPrefix(layer) + path + ".bias"; }
    }

    /** The linear layers of a GPT-NeoX decoder layer. */
    public enum NeoxLinear {
        /** Fused per-head projection: rows are [q, k, v] blocks of headDim for each head in turn. */
        QKV("attention.query_key_value"),
        DENSE("attention.dense"),
        H_TO_4H("mlp.dense_h_to_4h"),
        FOUR_H_TO_H("mlp.dense_4h_to_h");

        private final String path;

        NeoxLinear(String path) { this.path = path; }

        public String weight(int layer) { return neoxPrefix(layer) + path + ".weight"; }

        public String bias(int layer) { return neoxPrefix(layer) + path + ".bias"; }
    }

    // ---- LLaMA ----------------------------------------------------------------------------------

    public static String embedTokens() { return "model.embed_tokens.weight"; }

    public static String inputNorm(int layer) { return layerPrefix(layer) + "input_layernorm.weight"; }

    public static String postAttentionNorm(int layer) { return layerPrefix(layer) + "post_attention_layernorm.weight"; }

    /** Gemma: the MLP's input norm (LLaMA's MLP reads post_attention_layernorm instead). */
    public static String preFeedforwardNorm(int layer) { return layerPrefix(layer) + "pre_feedforward_layernorm.weight"; }

    /** Gemma: the norm on the MLP's output. */
    public static String postFeedforwardNorm(int layer) { return layerPrefix(layer) + "post_feedforward_layernorm.weight"; }

    /** The RMSNorm over each query head (Qwen3, Gemma 3), one weight per head dimension. */
    public static String queryNorm(int layer) { return layerPrefix(layer) + "self_attn.q_norm.weight"; }

    /** The RMSNorm over each key head. */
    public static String keyNorm(int layer) { return layerPrefix(layer) + "self_attn.k_norm.weight"; }

    /** The norm whose output feeds the MLP. */
    public static String mlpInputNorm(ModelConfig c, int layer) {
        return c.features().sandwichNorms() ? preFeedforwardNorm(layer) : postAttentionNorm(layer);
    }

    public static String finalNorm() { return "model.norm.weight"; }

    public static String lmHead() { return "lm_head.weight"; }

    // ---- GPT-NeoX -------------------------------------------------------------------------------

    public static String neoxEmbedIn() { return "gpt_neox.embed_in.weight"; }

    public static String neoxInputNorm(int layer, boolean bias) { return neoxPrefix(layer) + "input_layernorm." + part(bias); }

    public static String neoxPostAttentionNorm(int layer, boolean bias) {
        return neoxPrefix(layer) + "post_attention_layernorm." + part(bias);
    }

    public static String neoxFinalNorm(boolean bias) { return "gpt_neox.final_layer_norm." + part(bias); }

    public static String neoxEmbedOut() { return "embed_out.weight"; }

    /** Output embedding name for the config's architecture (present only when embeddings are untied). */
    public static String outputEmbedding(ModelConfig config) {
        return config.architecture() == Architecture.NEOX ? neoxEmbedOut() : lmHead();
    }

    /** Input embedding name for the config's architecture. */
    public static String inputEmbedding(ModelConfig config) {
        return config.architecture() == Architecture.NEOX ? neoxEmbedIn() : embedTokens();
    }

    /**
     * Buffers some checkpoints carry that are no parameters: rotary inverse frequencies and the
     * causal-mask buffers older GPT-NeoX exports saved. Loaders may drop them.
     */
    public static boolean isIgnorableBuffer(String name) {
        return name.endsWith(".rotary_emb.inv_freq")
                || name.matches("gpt_neox\\.layers\\.\\d+\\.attention\\.(bias|masked_bias)");
    }

    /** Every tensor the config requires, with its exact shape, in Hugging Face state-dict order. */
    public static LinkedHashMap<String, long[]> expectedShapes(ModelConfig config) {
        LinkedHashMap<String, long[]> shapes = new LinkedHashMap<>();
        long d = config.hiddenSize();
        shapes.put(inputEmbedding(config), new long[] {config.vocabSize(), d});
        for (int i = 0; i < config.numLayers(); i++) {
            if (config.architecture() == Architecture.NEOX) neoxLayer(shapes, config, i);
            else llamaLayer(shapes, config, i);
        }
        if (config.architecture() == Architecture.NEOX) {
            shapes.put(neoxFinalNorm(false), new long[] {d});
            shapes.put(neoxFinalNorm(true), new long[] {d});
        } else {
            shapes.put(finalNorm(), new long[] {d});
        }
        if (!config.tiedEmbeddings()) shapes.put(outputEmbedding(config), new long[] {config.vocabSize(), d});
        return shapes;
    }

    private static void llamaLayer(LinkedHashMap<String, long[]> shapes, ModelConfig c, int i) {
        LayerWidths w = c.layer(i);
        long d = c.hiddenSize();
        linear(shapes, Linear.Q.weight(i), Linear.Q.bias(i), w.qDim(), d, c.attentionBias());
        linear(shapes, Linear.K.weight(i), Linear.K.bias(i), w.kvDim(), d, c.attentionBias());
        linear(shapes, Linear.V.weight(i), Linear.V.bias(i), w.kvDim(), d, c.attentionBias());
        linear(shapes, Linear.O.weight(i), Linear.O.bias(i), d, w.qDim(), c.outputBias());
        linear(shapes, Linear.GATE.weight(i), Linear.GATE.bias(i), w.intermediateSize(), d, c.mlpBias());
        linear(shapes, Linear.UP.weight(i), Linear.UP.bias(i), w.intermediateSize(), d, c.mlpBias());
        linear(shapes, Linear.DOWN.weight(i), Linear.DOWN.bias(i), d, w.intermediateSize(), c.outputBias());
        if (c.features().qkNorm()) {
            shapes.put(queryNorm(i), new long[] {w.headDim()});
            shapes.put(keyNorm(i), new long[] {w.headDim()});
        }
        shapes.put(inputNorm(i), new long[] {d});
        shapes.put(postAttentionNorm(i), new long[] {d});
        if (c.features().sandwichNorms()) {
            shapes.put(preFeedforwardNorm(i), new long[] {d});
            shapes.put(postFeedforwardNorm(i), new long[] {d});
        }
    }

    private static void neoxLayer(LinkedHashMap<String, long[]> shapes, ModelConfig c, int i) {
        LayerWidths w = c.layer(i);
        if (w.numKvHeads() != w.numHeads())
            throw new IllegalArgumentException("GPT-NeoX layer " + i + " has " + w.numKvHeads()
                    + " kv heads, expected " + w.numHeads() + " (no grouped-query attention)");
        long d = c.hiddenSize();
        shapes.put(neoxInputNorm(i, false), new long[] {d});
        shapes.put(neoxInputNorm(i, true), new long[] {d});
        shapes.put(neoxPostAttentionNorm(i, false), new long[] {d});
        shapes.put(neoxPostAttentionNorm(i, true), new long[] {d});
        linear(shapes, NeoxLinear.QKV.weight(i), NeoxLinear.QKV.bias(i), 3L * w.qDim(), d, c.attentionBias());
        linear(shapes, NeoxLinear.DENSE.weight(i), NeoxLinear.DENSE.bias(i), d, w.qDim(), c.outputBias());
        linear(shapes, NeoxLinear.H_TO_4H.weight(i), NeoxLinear.H_TO_4H.bias(i), w.intermediateSize(), d, c.mlpBias());
        linear(shapes, NeoxLinear.FOUR_H_TO_H.weight(i), NeoxLinear.FOUR_H_TO_H.bias(i), d, w.intermediateSize(), c.outputBias());
    }

    private static void linear(LinkedHashMap<String, long[]> shapes, String weight, String bias, long out, long in, boolean hasBias) {
        shapes.put(weight, new long[] {out, in});
        if (hasBias) shapes.put(bias, new long[] {out});
    }

    private static String layerPrefix(int layer) { return "model.layers." + layer + "."; }

    private static String neoxPrefix(int layer) { return "gpt_neox.layers." + layer + "."; }

    private static String part(boolean bias) { return bias ? "bias" : "weight"; }
}
