package dev.shear.prune;

/** Wanda-sp: |W|·‖X‖ over each structure's weights, from calibration activations. */
final class WandaSpMethod extends OneShotMethod {
    WandaSpMethod() { super("wanda-sp", Calibrate.ACTIVATIONS); }

    @Override public Saliency saliency(long seed) { return new WandaSpSaliency(); }
}
