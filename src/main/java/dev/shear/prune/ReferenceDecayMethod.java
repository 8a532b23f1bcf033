package dev.shear.prune;

/** The released LoRAShear optimizer's behaviour: W and B rows of the active structures decay linearly, no absorption or projection. */
final class ReferenceDecayMethod extends LhspgMethod {
    ReferenceDecayMethod() { super("reference", LhspgPruner.Mode.REFERENCE, false); }

    @Override public Saliency saliency(long seed) { return new LoraShearSaliency(false); }
}
