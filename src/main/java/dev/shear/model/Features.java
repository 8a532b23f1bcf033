package dev.shear.model;

import java.util.List;

/**
 * What sets a family's math apart from plain LLaMA, all switched off in {@link #llama()}.
 * Every switch is a traced op the dependency graph has a rule for, so pruning needs no
 * per-family code.
 *
 * @param family             the Hugging Face class the model is read from and written as
 * @param ropeScaling        rotary rescaling of the global (full-attention) layers
 * @param slidingWindow      keys a sliding-window layer sees, itself included (0: no layer slides)
 * @param slidingLayers      per layer, whether it attends through the window (empty when slidingWindow is 0)
 * @param localRopeTheta     rotary base of the sliding layers, which then use no rope scaling (Gemma 3);
 *                           0: they rotate like the global layers
 * @param qkNorm             an RMSNorm over each head's query and key before the rotation (Qwen3, Gemma 3)
 * @param unitOffsetNorms    every RMSNorm scales by (1 + w) instead of w (Gemma)
 * @param sandwichNorms      norms after attention and after the MLP as well, the MLP's input norm being
 *                           pre_feedforward_layernorm (Gemma 2 and 3)
 * @param activation         the MLP's gate activation
 * @param scaleEmbeddings    embeddings multiplied by sqrt(hiddenSize) (Gemma)
 * @param attnSoftcap        attention scores become c * tanh(s / c) before the mask (0: off)
 * @param finalSoftcap       logits become c * tanh(l / c) (0: off)
 * @param queryPreAttnScalar scores are scaled by this^-0.5 instead of headDim^-0.5 (0: headDim)
 */
public record Features(Family family, RopeScaling ropeScaling, int slidingWindow, List<Boolean> slidingLayers, double localRopeTheta,
                       boolean qkNorm, boolean unitOffsetNorms, boolean sandwichNorms, Activation activation,
                       boolean scaleEmbeddings, double attnSoftcap, double finalSoftcap, double queryPreAttnScalar) {
    public Features {
        slidingLayers = List.copyOf(slidingLayers);
        if (slidingWindow < 0 || (slidingWindow == 0) != slidingLayers.isEmpty())
            throw new IllegalArgumentException("features: sliding window " + slidingWindow + " with " + slidingLayers.size()
                    + " per-layer flags (expected flags exactly when the window is positive)");
        if (attnSoftcap < 0 || finalSoftcap < 0 || queryPreAttnScalar < 0 || localRopeTheta < 0)
            throw new IllegalArgumentException("features: soft-caps " + attnSoftcap + "/" + finalSoftcap + ", query scalar "
                    + queryPreAttnScalar + " and local rope base " + localRopeTheta + " must not be negative");
    }

    private static final Features LLAMA = new Features(Family.LLAMA, RopeScaling.NONE, 0, List.of(), 0, false, false, false,
            Activation.SILU, false, 0, 0, 0);

    /** Plain LLaMA: nothing switched on. */
    public static Features llama() { return LLAMA; }

    /** The defaults of a family's block before its config says more (GPT-NeoX has its own block and uses none). */
    public static Features of(Family f) {
        Features x = LLAMA.withFamily(f);
        return switch (f) {
            case QWEN3 -> x.withQkNorm(true);
            case GEMMA2 -> x.withGemmaBlock();
            case GEMMA3 -> x.withGemmaBlock().withQkNorm(true);
            default -> x;
        };
    }

    /** Whether layer i attends through the sliding window. */
    public boolean sliding(int layer) { return slidingWindow > 0 && slidingLayers.get(layer); }

    /** The rotary base of layer i given the model's global base. */
    public double ropeTheta(int layer, double globalTheta) { return sliding(layer) && localRopeTheta > 0 ? localRopeTheta : globalTheta; }

    /** The rotary scaling of layer i. */
    public RopeScaling ropeScaling(int layer) { return sliding(layer) && localRopeTheta > 0 ? RopeScaling.NONE : ropeScaling; }

    /** The attention score scale for a head size. */
    public double attentionScale(int headDim) { return 1.0 / Math.sqrt(queryPreAttnScalar > 0 ? queryPreAttnScalar : headDim); }

    public Features withFamily(Family f) {
        return new Features(f, ropeScaling, slidingWindow, slidingLayers, localRopeTheta, qkNorm, unitOffsetNorms, sandwichNorms,
                activation, scaleEmbeddings, attnSoftcap, finalSoftcap, queryPreAttnScalar);
    }

    public Features withRopeScaling(RopeScaling s) {
        return new Features(family, s, slidingWindow, slidingLayers, localRopeTheta, qkNorm, unitOffsetNorms, sandwichNorms,
                activation, scaleEmbeddings, attnSoftcap, finalSoftcap, queryPreAttnScalar);
    }

    /** @param layers per layer, whether it slides; ignored (and cleared) for window 0 */
    public Features withSlidingWindow(int window, List<Boolean> layers, double localTheta) {
        return new Features(family, ropeScaling, window, window == 0 ? List.of() : layers, localTheta, qkNorm, unitOffsetNorms,
                sandwichNorms, activation, scaleEmbeddings, attnSoftcap, finalSoftcap, queryPreAttnScalar);
    }

    public Features withQkNorm(boolean on) {
        return new Features(family, ropeScaling, slidingWindow, slidingLayers, localRopeTheta, on, unitOffsetNorms, sandwichNorms,
                activation, scaleEmbeddings, attnSoftcap, finalSoftcap, queryPreAttnScalar);
    }

    public Features withSoftcaps(double attention, double logits) {
        return new Features(family, ropeScaling, slidingWindow, slidingLayers, localRopeTheta, qkNorm, unitOffsetNorms, sandwichNorms,
                activation, scaleEmbeddings, attention, logits, queryPreAttnScalar);
    }

    public Features withQueryPreAttnScalar(double scalar) {
        return new Features(family, ropeScaling, slidingWindow, slidingLayers, localRopeTheta, qkNorm, unitOffsetNorms, sandwichNorms,
                activation, scaleEmbeddings, attnSoftcap, finalSoftcap, scalar);
    }

    /** Gemma's block: (1 + w) norms, sandwich norms, GeGLU, scaled embeddings. */
    private Features withGemmaBlock() {
        return new Features(family, ropeScaling, slidingWindow, slidingLayers, localRopeTheta, qkNorm, true, true,
                Activation.GELU_TANH, true, attnSoftcap, finalSoftcap, queryPreAttnScalar);
    }
}
