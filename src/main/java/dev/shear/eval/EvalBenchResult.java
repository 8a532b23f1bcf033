package dev.shear.eval;

/**
 * Evaluation throughput on one model, both zero-shot modes measured in the same run.
 *
 * @param maxLoglikDifference largest |batched - single| log-likelihood: batching must not change scores
 * @param speedup             batched requests/s over single requests/s
 * @param batchedCpuSeconds   process CPU time of the batched pass (all threads; wall time suffers on a shared machine)
 */
public record EvalBenchResult(
        int items, int requests, int batchRows, int batchTokens,
        double batchedSeconds, double batchedRequestsPerSecond, double batchedCpuSeconds,
        double singleSeconds, double singleRequestsPerSecond, double singleCpuSeconds,
        double speedup, double maxLoglikDifference,
        String pplDataset, int pplWindow, long pplTokens, double pplSeconds, double pplTokensPerSecond,
        int threads, String engine) {}
