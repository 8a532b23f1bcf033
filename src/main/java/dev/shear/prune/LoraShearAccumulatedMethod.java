package dev.shear.prune;

/**
 * LHSPG whose saliency reads the update accumulated since pruning began (merged updates plus the
 * current s·BA), which stays informative after each period resets B (docs/method.md, "Saliency").
 */
final class LoraShearAccumulatedMethod extends LhspgMethod {
    LoraShearAccumulatedMethod() { super("lorashear-accumulated", LhspgPruner.Mode.PAPER, false); }

    @Override public Saliency saliency(long seed) { return new LoraShearSaliency(true); }
}
