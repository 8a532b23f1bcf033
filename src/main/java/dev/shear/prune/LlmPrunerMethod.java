package dev.shear.prune;

/** LLM-Pruner's first-order Taylor importance from calibration gradients, element-wise or vector-wise. */
final class LlmPrunerMethod extends OneShotMethod {
    private final boolean vectorWise;

    LlmPrunerMethod(boolean vectorWise) {
        super(vectorWise ? "llm-pruner-vector" : "llm-pruner", Calibrate.GRADIENTS);
        this.vectorWise = vectorWise;
    }

    @Override public Saliency saliency(long seed) { return new TaylorSaliency(vectorWise); }
}
