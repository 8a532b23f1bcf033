package dev.shear.eval;

import dev.shear.engine.DType;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;

/** Small seeded random models with a character tokenizer. */
final class TinyModels {
    static final int VOCAB = 64;

    private TinyModels() {}

    static ModelConfig config(int context) {
        return ModelConfig.llama(32, 64, 2, 4, 2, VOCAB, context, false);
    }

    /** Random weights scaled up so the model has opinions (std 0.02 makes it almost uniform). */
    static CausalLm random(int context, long seed) {
        ModelConfig c = config(context);
        return CausalLm.fromWeights(c, CausalLm.randomWeights(c, seed, 0.3f), DType.F32);
    }

    static EvalTarget target(CausalLm model) { return new EvalTarget(model, new CharTokenizer(VOCAB), "test-sha"); }
}
