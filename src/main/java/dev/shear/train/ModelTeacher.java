package dev.shear.train;

import dev.shear.data.TokenBatch;
import dev.shear.engine.GradientTape;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.model.CausalLm;

/** A teacher held in memory beside the student, run without gradients on each micro-batch. */
public final class ModelTeacher implements Teacher {
    private final CausalLm model;
    private final Integer topK;

    /** @param topK positions keep the k largest logits; null (or k at least the vocabulary) keeps them all */
    public ModelTeacher(CausalLm model, Integer topK) {
        this.model = model;
        this.topK = topK;
    }

    public CausalLm model() { return model; }

    @Override public Targets targets(StepScope s, long step, int micro, TokenBatch mb) {
        try (GradientTape.Paused p = GradientTape.pause()) {
            Tensor logits = model.forward(s.tokens(mb.inputs())).detach();                 // (B, T, V)
            if (topK == null || topK >= logits.dim(-1)) return new Targets(logits, null);
            Tensor[] top = logits.topK(topK);                                               // (B, T, k) each
            logits.free();
            return new Targets(top[0], top[1]);
        }
    }
}
