package dev.shear.prune;

/** LLM-Pruner's first-order Taylor importance from calibration gradients, element-wise or vector-wise. */
final class LlmPrunerMethod extends OneShotMethod {
    private final boolean vectorWise;

    LlmPrunerMethod(boolean vectorWise) {
        super(vectorWise ? "llm-pruner-vector" : "llm-pruner", Calibrate.GRADIENTS);
        this.vectorWise = vectorWise;
    }

    @Override public Saliency saliency(long seed) { return new TaylorSaliency(vectorWise); }

    /**
     * LLM-Pruner's scripts prune LLaMA-7B's layers 4 to 29 of 32 (block_*_layer_start 4, end 30);
     * scaled to the model's depth, the first round(L/8) layers and those from round(15L/16) on stay.
     */
    @Override public java.util.Set<Integer> protectedLayers(int numLayers) {
        java.util.Set<Integer> keep = new java.util.TreeSet<>();
        int start = (int) Math.round(numLayers * 4 / 32.0), end = (int) Math.round(numLayers * 30 / 32.0);
        for (int l = 0; l < numLayers; l++) if (l < start || l >= end) keep.add(l);
        return keep;
    }
}
