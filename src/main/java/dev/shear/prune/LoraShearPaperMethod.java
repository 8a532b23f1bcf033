package dev.shear.prune;

/** LHSPG as the paper states it: LoRAShear's mixed saliency on the current s·BA. */
final class LoraShearPaperMethod extends LhspgMethod {
    LoraShearPaperMethod() { super("lorashear-paper", LhspgPruner.Mode.PAPER, false); }

    @Override public Saliency saliency(long seed) { return new LoraShearSaliency(false); }
}
