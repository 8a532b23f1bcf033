package dev.shear.eval;

/**
 * One perplexity measurement, ready for JSON.
 *
 * @param protocol    {@link PerplexityProtocol#id()}
 * @param fromLine    LINES: first non-empty line used (inclusive); else 0
 * @param toLine      LINES: end (exclusive); else 0
 * @param sequences   texts tokenized separately (lines, or 1 for a stream)
 * @param textTokens  tokens of those texts, BOS included, before windowing
 * @param windows     forward rows scored
 * @param tokens      predicted (scored) tokens
 * @param nllSum      total negative log-likelihood, nats
 * @param nll         nllSum / tokens: mean nats per predicted token
 * @param ppl         exp(nll)
 */
public record PerplexityResult(
        String protocol, String dataset, int window, int stride, int fromLine, int toLine,
        long sequences, long textTokens, long windows, long tokens,
        double nllSum, double nll, double ppl,
        String modelSha256, String tokenizer,
        double seconds, double tokensPerSecond) {}
