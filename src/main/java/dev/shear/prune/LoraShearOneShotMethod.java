package dev.shear.prune;

/** LoRAShear's saliency applied once, after LoRA trains for the warm-up T_w. */
final class LoraShearOneShotMethod extends OneShotMethod {
    LoraShearOneShotMethod() { super("lorashear-oneshot", Calibrate.NONE); }

    @Override public Saliency saliency(long seed) { return new LoraShearSaliency(false); }

    @Override int warmupSteps(PruneSettings s) { return s.schedule().warmup(); }
}
