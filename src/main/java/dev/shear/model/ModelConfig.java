package dev.shear.model;

import java.util.Collections;
import java.util.List;

/**
 * Everything that fixes a model's shapes and math. Per-layer widths from day one, since every
 * pruned model is non-uniform.
 *
 * @param rotaryPct     fraction of each head's dimensions that rotate (1.0 for LLaMA, 0.25 for Pythia)
 * @param attentionBias biases on q/k/v (Qwen2, NeoX)
 * @param outputBias    biases on o_proj and down_proj (NeoX; FLAP's bias compensation)
 * @param mlpBias       biases on gate/up (NeoX's dense_h_to_4h)
 * @param features      the family and what its block adds to LLaMA's (see {@link Features})
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int vocabSize,
        int maxSeqLen,
        List<LayerWidths> layers,
        double normEps,
        double ropeTheta,
        RopeLayout ropeLayout,
        double rotaryPct,
        boolean tiedEmbeddings,
        boolean attentionBias,
        boolean outputBias,
        boolean mlpBias,
        boolean parallelResidual,
        int bosId,
        int eosId,
        Features features) {

    public ModelConfig {
        layers = List.copyOf(layers);
        java.util.Objects.requireNonNull(features, "features");
        if (features.slidingWindow() > 0 && features.slidingLayers().size() != layers.size())
            throw new IllegalArgumentException("config: " + features.slidingLayers().size() + " sliding-layer flags for "
                    + layers.size() + " layers");
        if (hiddenSize < 1 || vocabSize < 1 || maxSeqLen < 1 || layers.isEmpty())
            throw new IllegalArgumentException("config: hidden " + hiddenSize + ", vocab " + vocabSize + ", seq " + maxSeqLen
                    + ", layers " + layers.size() + " must all be positive");
        if (rotaryPct <= 0 || rotaryPct > 1) throw new IllegalArgumentException("config: rotaryPct " + rotaryPct + " must be in (0, 1]");
    }

    /** A config without family features: plain LLaMA, or GPT-NeoX for that architecture. */
    public ModelConfig(Architecture architecture, int hiddenSize, int vocabSize, int maxSeqLen, List<LayerWidths> layers, double normEps,
                       double ropeTheta, RopeLayout ropeLayout, double rotaryPct, boolean tiedEmbeddings, boolean attentionBias,
                       boolean outputBias, boolean mlpBias, boolean parallelResidual, int bosId, int eosId) {
        this(architecture, hiddenSize, vocabSize, maxSeqLen, layers, normEps, ropeTheta, ropeLayout, rotaryPct, tiedEmbeddings, attentionBias,
                outputBias, mlpBias, parallelResidual, bosId, eosId,
                architecture == Architecture.NEOX ? Features.of(Family.GPT_NEOX) : Features.llama());
    }

    /** A uniform LLaMA config, as in a llama2.c header or a stock Hugging Face config. */
    public static ModelConfig llama(int hidden, int intermediate, int nLayers, int nHeads, int nKvHeads,
                                    int vocab, int seqLen, boolean tied) {
        LayerWidths w = new LayerWidths(nHeads, nKvHeads, hidden / nHeads, intermediate);
        return new ModelConfig(Architecture.LLAMA, hidden, vocab, seqLen, Collections.nCopies(nLayers, w),
                1e-5, 10000.0, RopeLayout.HALF, 1.0, tied, false, false, false, false, 1, 2);
    }

    public int numLayers() { return layers.size(); }

    public LayerWidths layer(int i) { return layers.get(i); }

    public boolean isUniform() { return layers.stream().distinct().count() == 1; }

    /** Rotating dimensions per head (even). */
    public int rotaryDim(int layer) {
        int hd = layers.get(layer).headDim();
        return (int) Math.round(hd * rotaryPct) / 2 * 2;
    }

    public ModelConfig withLayers(List<LayerWidths> newLayers) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxSeqLen, newLayers, normEps, ropeTheta, ropeLayout,
                rotaryPct, tiedEmbeddings, attentionBias, outputBias, mlpBias, parallelResidual, bosId, eosId, features);
    }

    public ModelConfig withRopeLayout(RopeLayout layout) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxSeqLen, layers, normEps, ropeTheta, layout,
                rotaryPct, tiedEmbeddings, attentionBias, outputBias, mlpBias, parallelResidual, bosId, eosId, features);
    }

    public ModelConfig withBiases(boolean attention, boolean output) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxSeqLen, layers, normEps, ropeTheta, ropeLayout,
                rotaryPct, tiedEmbeddings, attention, output, mlpBias, parallelResidual, bosId, eosId, features);
    }

    public ModelConfig withTiedEmbeddings(boolean tied) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxSeqLen, layers, normEps, ropeTheta, ropeLayout,
                rotaryPct, tied, attentionBias, outputBias, mlpBias, parallelResidual, bosId, eosId, features);
    }

    /** Biases on q/k/v, on o/down, and on gate/up. */
    public ModelConfig withBiases(boolean attention, boolean output, boolean mlp) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxSeqLen, layers, normEps, ropeTheta, ropeLayout,
                rotaryPct, tiedEmbeddings, attention, output, mlp, parallelResidual, bosId, eosId, features);
    }

    public ModelConfig withFeatures(Features f) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, maxSeqLen, layers, normEps, ropeTheta, ropeLayout,
                rotaryPct, tiedEmbeddings, attentionBias, outputBias, mlpBias, parallelResidual, bosId, eosId, f);
    }

    public ModelConfig withMaxSeqLen(int positions) {
        return new ModelConfig(architecture, hiddenSize, vocabSize, positions, layers, normEps, ropeTheta, ropeLayout,
                rotaryPct, tiedEmbeddings, attentionBias, outputBias, mlpBias, parallelResidual, bosId, eosId, features);
    }

    public Family family() { return features.family(); }
}
