package dev.shear.prune;

/** The L2 norm of each structure's weights, the rows it zeroes and the columns that go with them: the simplest data-free criterion. */
final class MagnitudeMethod extends OneShotMethod {
    MagnitudeMethod() { super("magnitude", Calibrate.NONE); }

    @Override public Saliency saliency(long seed) { return new MagnitudeSaliency(true); }
}
