package dev.shear.eval;

/**
 * How rows are packed into forward passes. A pass takes rows while all three limits hold (at least one row).
 *
 * @param rows             most sequences per pass
 * @param tokens           most padded tokens (rows x longest row) per pass; bounds the (B, T, V) logits
 * @param attentionScores  most attention scores (rows x heads x T x T) per pass. Measured on the 2-core
 *                         VMs: past about 8 MB of fp32 scores, throughput per token falls (8x at 34 MB),
 *                         so long rows go a few at a time
 */
public record BatchShape(int rows, int tokens, long attentionScores) {
    public static final long DEFAULT_ATTENTION_SCORES = 1L << 21;
    public static final BatchShape SINGLE = new BatchShape(1, Integer.MAX_VALUE, Long.MAX_VALUE);

    public BatchShape {
        if (rows < 1 || tokens < 1 || attentionScores < 1)
            throw new IllegalArgumentException("batch: rows " + rows + ", tokens " + tokens + " and attention scores "
                    + attentionScores + " must be positive");
    }

    public static BatchShape of(int rows) { return of(rows, 4096); }

    public static BatchShape of(int rows, int tokens) { return new BatchShape(rows, tokens, DEFAULT_ATTENTION_SCORES); }

    /** Whether one more row of length t fits a pass that already holds b rows, for a model with h heads. */
    boolean fits(int b, int t, int h) {
        long n = b + 1L;
        return n <= rows && n * t <= tokens && n * h * (long) t * t <= attentionScores;
    }
}
