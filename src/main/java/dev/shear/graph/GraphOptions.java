package dev.shear.graph;

/**
 * How to trace and group.
 *
 * @param prunableHidden let the normalised hidden dimension be prunable (off by default: removing a
 *                       channel changes every norm's statistic, so it is not zero-invariant)
 * @param batch          batch size of the tracing pass
 * @param seqLen         tokens per sequence of the tracing pass (capped at the model's context)
 */
public record GraphOptions(boolean prunableHidden, int batch, int seqLen) {
    public GraphOptions {
        if (batch < 1 || seqLen < 1) throw new IllegalArgumentException("trace batch " + batch + " and seqLen " + seqLen + " must be positive");
    }

    public static GraphOptions defaults() { return new GraphOptions(false, 1, 4); }

    public GraphOptions withPrunableHidden(boolean on) { return new GraphOptions(on, batch, seqLen); }
}
