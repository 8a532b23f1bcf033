package dev.shear.eval;

import java.util.List;

/**
 * Evaluation throughput on one model, both zero-shot modes measured in the same run: seconds are
 * the fastest of alternating repetitions of scoring every request.
 *
 * @param tokenizeSeconds     tokenizing every request (once, shared by both modes, outside the timings)
 * @param maxLoglikDifference largest |batched - single| log-likelihood: batching must not change scores
 * @param speedup             batched requests/s over single requests/s (wall time)
 * @param cpuSpeedup          the same from process CPU time (all threads), which load elsewhere disturbs less
 */
public record EvalBenchResult(
        String model, int layers, int hidden, int vocab, List<String> tasks,
        int items, int requests, int batchRows, int batchTokens, int reps, double tokenizeSeconds,
        double batchedSeconds, double batchedRequestsPerSecond, double batchedCpuSeconds,
        double singleSeconds, double singleRequestsPerSecond, double singleCpuSeconds,
        double speedup, double cpuSpeedup, double maxLoglikDifference,
        String pplDataset, int pplWindow, long pplTokens, double pplSeconds, double pplTokensPerSecond,
        int threads, String engine) {
    public EvalBenchResult { tasks = List.copyOf(tasks); }
}
