package dev.shear.eval;

/**
 * How rows are packed into forward passes. A pass takes rows while every limit holds (at least one row).
 * The size limits keep each pass's big buffers (attention scores per layer, the logits) under
 * glibc's largest mmap threshold (32 MB): bigger buffers go back to the OS when freed and the next
 * pass pays page faults again. Measured on the 2-core VMs: attention scores of 34 MB per layer
 * made a pass 8x slower per token than 8 MB ones. Large models lose nothing: a pass of a few
 * hundred tokens already keeps the matmuls efficient.
 *
 * @param rows            most sequences per pass
 * @param tokens          most padded tokens (rows x longest row) per pass
 * @param attentionScores most attention scores (rows x heads x T x T) per pass
 * @param logits          most logits (rows x T x vocab) per pass
 */
public record BatchShape(int rows, int tokens, long attentionScores, long logits) {
    public static final long DEFAULT_ATTENTION_SCORES = 1L << 21;
    public static final long DEFAULT_LOGITS = 1L << 23;
    public static final BatchShape SINGLE = new BatchShape(1, Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    public BatchShape {
        if (rows < 1 || tokens < 1 || attentionScores < 1 || logits < 1)
            throw new IllegalArgumentException("batch: rows " + rows + ", tokens " + tokens + ", attention scores "
                    + attentionScores + " and logits " + logits + " must all be positive");
    }

    public static BatchShape of(int rows) { return of(rows, 4096); }

    public static BatchShape of(int rows, int tokens) {
        return new BatchShape(rows, tokens, DEFAULT_ATTENTION_SCORES, DEFAULT_LOGITS);
    }

    /** Whether one more row of length t fits a pass that holds b rows, for a model with h heads and vocabulary v. */
    boolean fits(int b, int t, int h, int v) { return fits(b + 1L, t, t, h, v); }

    /** Whether a pass of n rows of the given query and key lengths fits; v = 0 for a pass without logits. */
    boolean fits(long n, long queries, long keys, int h, int v) {
        return n <= rows && n * queries <= tokens && n * h * queries * keys <= attentionScores && n * queries * v <= logits;
    }
}
