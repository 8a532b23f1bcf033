package dev.shear.eval;

/**
 * One perplexity measurement to make.
 *
 * @param window    W in tokens; 0 means the model's context length (LLM_PRUNER fixes 128)
 * @param stride    S for SLIDING, else 0
 * @param fromLine  LINES only: first non-empty line, inclusive
 * @param toLine    LINES only: last non-empty line, exclusive; -1 for all
 * @param batch     how windows are packed into forward passes
 */
public record PerplexitySpec(PerplexityProtocol protocol, int window, int stride, int fromLine, int toLine, BatchShape batch) {
    public static final BatchShape DEFAULT_BATCH = BatchShape.of(8, 4096);

    public PerplexitySpec {
        if (protocol == null) throw new IllegalArgumentException("perplexity: protocol is required");
        if (protocol == PerplexityProtocol.LLM_PRUNER && window == 0) window = 128;
        if (protocol == PerplexityProtocol.LLM_PRUNER && window != 128)
            throw new IllegalArgumentException("perplexity: llm-pruner fixes the window at 128, got " + window + "; use stream");
        if (protocol == PerplexityProtocol.LONG && window != 0)
            throw new IllegalArgumentException("perplexity: long uses the model context as window, got " + window + "; use stream");
        if (window < 0 || window == 1) throw new IllegalArgumentException("perplexity: window " + window + " must be >= 2 (or 0 for the model context)");
        if (protocol == PerplexityProtocol.SLIDING && (stride < 1 || (window > 0 && stride >= window)))
            throw new IllegalArgumentException("perplexity: stride " + stride + " must be in [1, window " + window + ")");
        if (protocol != PerplexityProtocol.SLIDING && stride != 0)
            throw new IllegalArgumentException("perplexity: stride " + stride + " applies only to the sliding protocol");
        if (fromLine < 0 || (toLine >= 0 && toLine < fromLine))
            throw new IllegalArgumentException("perplexity: lines [" + fromLine + ", " + toLine + ") is not a range");
        if (batch == null) throw new IllegalArgumentException("perplexity: batch shape is required");
    }

    /** Any protocol over the whole dataset, e.g. from command-line flags (window 0: the protocol's default). */
    public static PerplexitySpec of(PerplexityProtocol protocol, int window, int stride) {
        return new PerplexitySpec(protocol, window, stride, 0, -1, DEFAULT_BATCH);
    }

    public static PerplexitySpec lines(int fromLine, int toLine) {
        return new PerplexitySpec(PerplexityProtocol.LINES, 0, 0, fromLine, toLine, DEFAULT_BATCH);
    }

    public static PerplexitySpec stream(int window) {
        return new PerplexitySpec(PerplexityProtocol.STREAM, window, 0, 0, -1, DEFAULT_BATCH);
    }

    public static PerplexitySpec llmPruner() {
        return new PerplexitySpec(PerplexityProtocol.LLM_PRUNER, 128, 0, 0, -1, DEFAULT_BATCH);
    }

    public static PerplexitySpec longContext() {
        return new PerplexitySpec(PerplexityProtocol.LONG, 0, 0, 0, -1, DEFAULT_BATCH);
    }

    public static PerplexitySpec sliding(int window, int stride) {
        return new PerplexitySpec(PerplexityProtocol.SLIDING, window, stride, 0, -1, DEFAULT_BATCH);
    }

    public PerplexitySpec withWindow(int w) {
        return new PerplexitySpec(protocol, w, stride, fromLine, toLine, batch);
    }

    public PerplexitySpec withLines(int from, int to) {
        return new PerplexitySpec(protocol, window, stride, from, to, batch);
    }

    public PerplexitySpec withBatch(BatchShape b) {
        return new PerplexitySpec(protocol, window, stride, fromLine, toLine, b);
    }

    /** The window actually used with a model of the given context length. */
    public int windowFor(int contextLength) {
        int w = window == 0 ? contextLength : window;
        if (w > contextLength)
            throw new IllegalArgumentException("perplexity: window " + w + " exceeds the model context " + contextLength);
        if (protocol == PerplexityProtocol.SLIDING && stride >= w)
            throw new IllegalArgumentException("perplexity: stride " + stride + " must be below the window " + w);
        return w;
    }
}
