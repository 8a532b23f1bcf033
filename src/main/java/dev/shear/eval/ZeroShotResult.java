package dev.shear.eval;

import java.util.List;

/**
 * A zero-shot run, ready for JSON.
 *
 * @param limit             items per task (0: all)
 * @param llmPrunerMean     mean over the tasks of acc (BoolQ, WinoGrande) or acc_norm (the others)
 * @param llmPrunerMeanHarness the same with lm-eval's acc_norm divisor (bare choice length)
 */
public record ZeroShotResult(
        String template, int limit, List<ZeroShotTaskResult> tasks,
        double llmPrunerMean, double llmPrunerMeanHarness,
        String modelSha256, String tokenizer, int batchRows, int batchTokens,
        int requests, double seconds, double requestsPerSecond) {
    public ZeroShotResult { tasks = List.copyOf(tasks); }
}
