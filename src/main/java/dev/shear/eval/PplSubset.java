package dev.shear.eval;

import dev.shear.engine.Progress;

/** A stream protocol over the first N tokens of a dataset: a fixed, cheaper slice for repeated measurements. */
public final class PplSubset {
    private PplSubset() {}

    public static PerplexityResult evaluate(EvalTarget t, String dataset, PerplexitySpec spec, int maxTokens, Progress progress) {
        if (maxTokens <= 0) return Perplexity.evaluate(t, dataset, spec, progress);
        int[] ids = t.tokenizer().encode(Datasets.text(dataset).streamText(), true, false);
        int[] head = java.util.Arrays.copyOf(ids, Math.min(ids.length, maxTokens));
        return Perplexity.ofTokens(t, dataset + "[:" + head.length + " tokens]", head, spec, progress);
    }
}
