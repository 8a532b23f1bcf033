package dev.shear.eval;

/**
 * One task's accuracies, ready for JSON. Standard errors are lm-eval's (sample std / sqrt(n)).
 *
 * @param accNorm         normalised by continuation characters (" " + choice), see {@link ItemScore}
 * @param accNormHarness  normalised by the bare choice's characters, as lm-eval computes acc_norm
 * @param llmPrunerMetric "acc" or "acc_norm": the one LLM-Pruner's tables report for this task
 * @param llmPrunerScore  that metric's value
 */
public record ZeroShotTaskResult(
        String task, String template, int n, int requests, int truncatedRequests,
        double acc, double accStderr, double accNorm, double accNormStderr,
        double accNormHarness, double accNormHarnessStderr,
        String llmPrunerMetric, double llmPrunerScore, double llmPrunerScoreHarness,
        double seconds, double requestsPerSecond) {}
