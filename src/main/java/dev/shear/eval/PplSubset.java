package dev.shear.eval;

import dev.shear.engine.Progress;
import dev.shear.io.Tokenizer;

/** A stream protocol over the first N tokens of a dataset: a fixed, cheaper slice for repeated measurements. */
public final class PplSubset {
    private PplSubset() {}

    public static PerplexityResult evaluate(EvalTarget t, String dataset, PerplexitySpec spec, int maxTokens, Progress progress) {
        if (maxTokens <= 0) return Perplexity.evaluate(t, dataset, spec, progress);
        return Perplexity.score(t, rows(t.tokenizer(), t.contextLength(), dataset, spec, maxTokens), progress);
    }

    /** The rows {@link #evaluate} scores: the whole dataset's when maxTokens <= 0. */
    public static Perplexity.Rows rows(Tokenizer tok, int contextLength, String dataset, PerplexitySpec spec, int maxTokens) {
        if (maxTokens <= 0) return Perplexity.rows(tok, contextLength, Datasets.text(dataset), spec);
        int[] ids = tok.encode(Datasets.text(dataset).streamText(), true, false);
        int[] head = java.util.Arrays.copyOf(ids, Math.min(ids.length, maxTokens));
        return Perplexity.tokenRows(contextLength, dataset + "[:" + head.length + " tokens]", head, spec);
    }
}
