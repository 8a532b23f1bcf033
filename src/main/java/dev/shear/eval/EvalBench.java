package dev.shear.eval;

import dev.shear.engine.Engine;
import dev.shear.engine.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Measures evaluation speed: zero-shot requests/s batched (each item's context computed once)
 * against one request per pass, and perplexity tokens/s. Both modes score the same requests,
 * tokenized once before the timing (as for perplexity). They alternate over several repetitions
 * and each reports its fastest, as timeit does: load from other processes only ever adds time.
 */
public final class EvalBench {
    private EvalBench() {}

    /**
     * @param itemsPerTask  first items of each task to score (in both modes, every repetition)
     * @param reps          timed repetitions of each mode, alternating; the fastest counts
     * @param pplMaxTokens  perplexity is timed on the first this-many tokens of the dataset's stream
     */
    public record Spec(List<ZeroShotTask> tasks, int itemsPerTask, int reps, BatchShape batch, String pplDataset, int pplWindow,
                       int pplMaxTokens) {
        public Spec {
            tasks = List.copyOf(tasks);
            if (tasks.isEmpty() || itemsPerTask < 1 || reps < 1 || pplWindow < 2 || pplMaxTokens < pplWindow)
                throw new IllegalArgumentException("bench: needs tasks, itemsPerTask >= 1, reps >= 1, pplWindow >= 2 and pplMaxTokens >= pplWindow");
        }

        /** All seven tasks batched as `eval zeroshot` batches them, three alternating repetitions, LLM-Pruner perplexity windows. */
        public static Spec defaults() {
            return new Spec(List.of(ZeroShotTask.values()), 5, 3, ZeroShotSpec.all().batch(), "wikitext2", 128, 8192);
        }

        public Spec withItemsPerTask(int n) { return new Spec(tasks, n, reps, batch, pplDataset, pplWindow, pplMaxTokens); }

        public Spec withReps(int n) { return new Spec(tasks, itemsPerTask, n, batch, pplDataset, pplWindow, pplMaxTokens); }

        public Spec withTasks(List<ZeroShotTask> t) { return new Spec(t, itemsPerTask, reps, batch, pplDataset, pplWindow, pplMaxTokens); }

        public Spec withPplMaxTokens(int n) { return new Spec(tasks, itemsPerTask, reps, batch, pplDataset, pplWindow, n); }
    }

    /** @param label names the model in the result (a path, or the random config) */
    public static EvalBenchResult run(String label, EvalTarget target, Spec spec, Progress progress) {
        ZeroShotSpec zs = ZeroShotSpec.all().withTasks(spec.tasks()).withLimit(spec.itemsPerTask());
        List<ChoiceItem> items = new ArrayList<>();
        for (ZeroShotTask t : spec.tasks()) items.addAll(ZeroShot.load(t, zs));
        long t0 = System.nanoTime();
        List<List<ContinuationRequest>> tokenized = ZeroShot.requests(target, items);           // the same for both modes, untimed
        double tokenizeSeconds = (System.nanoTime() - t0) / 1e9;
        Mode batchedMode = new Mode(target, items, tokenized, spec.batch(), true);
        Mode singleMode = new Mode(target, items, tokenized, BatchShape.SINGLE, false);
        List<ItemScore> batched = batchedMode.score(), single = singleMode.score();           // warm-up, and the scores
        double[][] b = new double[2][spec.reps()], s = new double[2][spec.reps()];
        for (int k = 0; k < spec.reps(); k++) {
            // alternate which mode goes first, so a burst of load elsewhere does not always hit the same one
            if (k % 2 == 0) { batchedMode.time(b, k); singleMode.time(s, k); }
            else { singleMode.time(s, k); batchedMode.time(b, k); }
            progress.step(k + 1, spec.reps());
        }
        int requests = 0;
        double maxDiff = 0;
        for (int i = 0; i < items.size(); i++)
            for (int j = 0; j < batched.get(i).choices().size(); j++, requests++)
                maxDiff = Math.max(maxDiff, Math.abs(batched.get(i).choices().get(j).loglik() - single.get(i).choices().get(j).loglik()));
        double bs = min(b[0]), ss = min(s[0]), bc = min(b[1]), sc = min(s[1]);
        PerplexityResult ppl = perplexity(target, spec, Progress.NONE);
        return new EvalBenchResult(label, target.model().config().numLayers(), target.model().config().hiddenSize(),
                target.model().config().vocabSize(), spec.tasks().stream().map(ZeroShotTask::id).toList(), items.size(), requests,
                spec.batch().rows(), spec.batch().tokens(), spec.reps(), tokenizeSeconds,
                bs, requests / bs, bc, ss, requests / ss, sc, ss / bs, sc / bc, maxDiff,
                spec.pplDataset(), ppl.window(), ppl.tokens(), ppl.seconds(), ppl.tokensPerSecond(), Engine.threads(), Engine.version());
    }

    private record Mode(EvalTarget target, List<ChoiceItem> items, List<List<ContinuationRequest>> requests, BatchShape shape, boolean shared) {
        List<ItemScore> score() { return ZeroShot.scoreRequests(target, items, requests, shape, shared, Progress.NONE); }

        /** Wall and process CPU seconds of scoring every request once, into out[0][k] and out[1][k]. */
        void time(double[][] out, int k) {
            long t0 = System.nanoTime(), c0 = processCpuNanos();
            score();
            out[0][k] = (System.nanoTime() - t0) / 1e9;
            out[1][k] = (processCpuNanos() - c0) / 1e9;
        }
    }

    private static double min(double[] v) { return Arrays.stream(v).min().orElseThrow(); }

    /** CPU time of the whole process (all engine threads): steadier than wall time on a shared machine. */
    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    /** Stream windows over a prefix of the dataset; tokenizing is outside the timing. */
    private static PerplexityResult perplexity(EvalTarget target, Spec spec, Progress progress) {
        String text = Datasets.text(spec.pplDataset()).streamText();
        // about 8 characters per token is plenty for any tokenizer, and keeps slow encoders off huge texts
        String head = text.substring(0, (int) Math.min(text.length(), 8L * spec.pplMaxTokens()));
        int[] ids = target.tokenizer().encode(head, true, false);
        int[] cut = Arrays.copyOf(ids, Math.min(ids.length, spec.pplMaxTokens()));
        PerplexitySpec ps = PerplexitySpec.stream(Math.min(spec.pplWindow(), target.contextLength()))
                .withBatch(BatchShape.of(8));
        return Perplexity.ofTokens(target, spec.pplDataset(), cut, ps, progress);
    }
}
