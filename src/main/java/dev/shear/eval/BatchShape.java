package dev.shear.eval;

/**
 * How rows are packed into forward passes.
 *
 * @param rows   most sequences per pass
 * @param tokens most padded tokens (rows x longest row) per pass; bounds the (B, T, V) logits
 */
public record BatchShape(int rows, int tokens) {
    public static final BatchShape SINGLE = new BatchShape(1, Integer.MAX_VALUE);

    public BatchShape {
        if (rows < 1 || tokens < 1) throw new IllegalArgumentException("batch: rows " + rows + " and tokens " + tokens + " must be positive");
    }

    public static BatchShape of(int rows) { return new BatchShape(rows, PerplexitySpec.DEFAULT_BATCH_TOKENS); }
}
