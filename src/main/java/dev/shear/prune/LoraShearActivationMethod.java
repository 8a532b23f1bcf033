package dev.shear.prune;

/**
 * LHSPG whose selection uses Wanda-sp scores ranked per layer, the strongest one-shot signal measured
 * (docs/results.md). "auto" allocation gives it per-layer counts from the KDA curves.
 */
final class LoraShearActivationMethod extends LhspgMethod {
    LoraShearActivationMethod() { super("lorashear-activation", LhspgPruner.Mode.PAPER, true); }

    @Override public Saliency saliency(long seed) { return new WandaSpSaliency(); }

    @Override public Allocation autoAllocation(boolean kdaConfigured) { return kdaConfigured ? Allocation.KDA : Allocation.UNIFORM; }
}
