package dev.shear.prune;

/** Random scores: the floor every criterion must beat. */
final class RandomMethod extends OneShotMethod {
    RandomMethod() { super("random", Calibrate.NONE); }

    @Override public Saliency saliency(long seed) { return new RandomSaliency(seed); }
}
