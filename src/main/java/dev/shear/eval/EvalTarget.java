package dev.shear.eval;

import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;

/**
 * The model under evaluation with its tokenizer. The caller computes the checkpoint's sha256
 * (it knows the files); it is copied into every result.
 */
public record EvalTarget(CausalLm model, Tokenizer tokenizer, String modelSha256) {
    public EvalTarget {
        if (model == null || tokenizer == null) throw new IllegalArgumentException("eval: model and tokenizer are required");
        if (tokenizer.vocabSize() > model.config().vocabSize())
            throw new IllegalArgumentException("eval: tokenizer has " + tokenizer.vocabSize() + " tokens, model vocabulary is "
                    + model.config().vocabSize());
        modelSha256 = modelSha256 == null ? "" : modelSha256;
    }

    public int contextLength() { return model.config().maxSeqLen(); }

    public String tokenizerDescription() { return tokenizer.describe(); }
}
