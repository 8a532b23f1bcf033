package dev.shear.prune;

/** LHSPG whose selection uses FLAP's fluctuation scores, standardised per layer and ranked globally. */
final class LoraShearFluctuationMethod extends LhspgMethod {
    LoraShearFluctuationMethod() { super("lorashear-fluctuation", LhspgPruner.Mode.PAPER, true); }

    @Override public Saliency saliency(long seed) { return new FlapSaliency(); }
}
