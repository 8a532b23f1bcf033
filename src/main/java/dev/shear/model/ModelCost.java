package dev.shear.model;

import java.util.ArrayList;
import java.util.List;

/**
 * What a model costs, from its config alone: parameters (heads x per-head parameters plus channels
 * x per-channel parameters plus fixed ones), multiply-accumulates per token and weight memory.
 * Structures are never counted as "groups": every figure is in parameters, MACs or bytes.
 *
 * @param params          all base parameters, tied embeddings counted once
 * @param embeddingParams input embedding plus the untied output embedding
 * @param layerParams     per decoder layer: attention, MLP, norms and biases
 * @param context         positions a token attends to in {@code macsPerToken}
 * @param macsPerToken    multiply-accumulates for one token attending to {@code context} positions:
 *                        every projection, the output embedding, and QK^T and AV (each numHeads x
 *                        headDim x context); norms, rotary, softmax and the embedding lookup are not counted
 * @param bytesPerParam   storage bytes per weight (4 for f32, 2 for f16)
 * @param weightBytes     params x bytesPerParam
 */
public record ModelCost(long params, long embeddingParams, List<Long> layerParams, int context, long macsPerToken,
                        int bytesPerParam, long weightBytes) {
    public ModelCost {
        layerParams = List.copyOf(layerParams);
    }

    /** @param context positions attended per token, at least 1 */
    public static ModelCost of(ModelConfig c, int context, int bytesPerParam) {
        if (context < 1 || bytesPerParam < 1)
            throw new IllegalArgumentException("cost: context " + context + " and bytes per parameter " + bytesPerParam + " must be positive");
        long d = c.hiddenSize(), embed = (c.tiedEmbeddings() ? 1L : 2L) * c.vocabSize() * d;
        long finalNorm = c.architecture() == Architecture.NEOX ? 2 * d : d;
        List<Long> layers = new ArrayList<>();
        long params = embed + finalNorm, macs = (long) c.vocabSize() * d;
        for (int i = 0; i < c.numLayers(); i++) {
            layers.add(layerParams(c, c.layer(i)));
            params += layers.get(i);
            macs += layerMacs(c, c.layer(i), context);
        }
        return new ModelCost(params, embed, layers, context, macs, bytesPerParam, params * bytesPerParam);
    }

    /** Query heads x per-head + KV heads x per-KV-head + channels x per-channel + per-layer fixed parameters. */
    static long layerParams(ModelConfig c, LayerWidths w) {
        return w.numHeads() * perQueryHead(c, w.headDim()) + w.numKvHeads() * perKvHead(c, w.headDim())
                + w.intermediateSize() * perChannel(c) + layerFixed(c);
    }

    /** A query head's q rows and o columns (and q bias); GPT-NeoX's head carries its k and v too. */
    static long perQueryHead(ModelConfig c, int hd) {
        long d = c.hiddenSize();
        if (c.architecture() == Architecture.NEOX) return 4L * hd * d + (c.attentionBias() ? 3L * hd : 0);
        return 2L * hd * d + (c.attentionBias() ? hd : 0);
    }

    /** A KV head's k and v rows (and biases); 0 for GPT-NeoX, whose heads hold their own. */
    static long perKvHead(ModelConfig c, int hd) {
        if (c.architecture() == Architecture.NEOX) return 0;
        return 2L * hd * c.hiddenSize() + (c.attentionBias() ? 2L * hd : 0);
    }

    /** An MLP channel: gate, up and down (LLaMA) or in and out (GPT-NeoX) weights, and the input-side biases. */
    static long perChannel(ModelConfig c) {
        long d = c.hiddenSize();
        if (c.architecture() == Architecture.NEOX) return 2 * d + (c.mlpBias() ? 1 : 0);
        return 3 * d + (c.mlpBias() ? 2 : 0);
    }

    /** Norms (Gemma's four, Qwen3's and Gemma 3's per-head q/k norms too), and the o/down output biases, which do not shrink with the widths. */
    static long layerFixed(ModelConfig c) {
        long d = c.hiddenSize();
        long norms = c.architecture() == Architecture.NEOX || c.features().sandwichNorms() ? 4 * d : 2 * d;
        if (c.features().qkNorm()) norms += 2L * c.layer(0).headDim();
        return norms + (c.outputBias() ? 2 * d : 0);
    }

    static long layerMacs(ModelConfig c, LayerWidths w, int context) {
        long d = c.hiddenSize(), q = w.qDim(), kv = c.architecture() == Architecture.NEOX ? q : w.kvDim();
        int mats = c.architecture() == Architecture.NEOX ? 2 : 3;
        return d * (2 * q + 2 * kv) + mats * d * w.intermediateSize() + 2L * context * q;
    }

    /** Before and after compaction (or padding), with the fractions removed. */
    public record Change(ModelCost before, ModelCost after, double paramsRemoved, double embeddingFractionAfter,
                         double macsRemoved, double bytesRemoved) {
        public static Change of(ModelCost before, ModelCost after) {
            return new Change(before, after, 1.0 - (double) after.params() / before.params(),
                    (double) after.embeddingParams() / after.params(), 1.0 - (double) after.macsPerToken() / before.macsPerToken(),
                    1.0 - (double) after.weightBytes() / before.weightBytes());
        }

        /** Lines for a command's output; changes are signed (negative: smaller). */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            out.add(String.format("parameters %,d -> %,d (%+.2f%%; embeddings %,d = %.1f%% of the result)",
                    before.params(), after.params(), -100 * paramsRemoved, after.embeddingParams(), 100 * embeddingFractionAfter));
            out.add("per-layer parameters " + before.layerParams() + " -> " + after.layerParams());
            out.add(String.format("MACs per token at context %d: %,d -> %,d (%+.2f%%)",
                    after.context(), before.macsPerToken(), after.macsPerToken(), -100 * macsRemoved));
            out.add(String.format("weight memory at %d bytes/parameter: %,d -> %,d bytes (%+.2f%%)",
                    after.bytesPerParam(), before.weightBytes(), after.weightBytes(), -100 * bytesRemoved));
            return out;
        }
    }
}
