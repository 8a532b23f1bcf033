package dev.shear.eval;

import dev.shear.engine.Engine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Measures evaluation speed: zero-shot requests/s batched against one request per pass, and perplexity tokens/s. */
public final class EvalBench {
    private EvalBench() {}

    /**
     * @param itemsPerTask  first items of each task to score (twice: batched, then one at a time)
     * @param pplMaxTokens  perplexity is timed on the first this-many tokens of the dataset's stream
     */
    public record Spec(List<ZeroShotTask> tasks, int itemsPerTask, BatchShape batch, String pplDataset, int pplWindow, int pplMaxTokens) {
        public Spec {
            tasks = List.copyOf(tasks);
            if (tasks.isEmpty() || itemsPerTask < 1 || pplWindow < 2 || pplMaxTokens < pplWindow)
                throw new IllegalArgumentException("bench: needs tasks, itemsPerTask >= 1, pplWindow >= 2 and pplMaxTokens >= pplWindow");
        }

        /** Four tasks of different shapes (short, long, many options, long context), LLM-Pruner perplexity windows. */
        public static Spec defaults() {
            return new Spec(List.of(ZeroShotTask.HELLASWAG, ZeroShotTask.PIQA, ZeroShotTask.ARC_EASY, ZeroShotTask.BOOLQ),
                    10, BatchShape.of(8), "wikitext2", 128, 16_384);
        }
    }

    public static EvalBenchResult run(EvalTarget target, Spec spec, Progress progress) {
        ZeroShotSpec zs = ZeroShotSpec.all().withTasks(spec.tasks()).withLimit(spec.itemsPerTask());
        List<ChoiceItem> items = new ArrayList<>();
        for (ZeroShotTask t : spec.tasks()) items.addAll(ZeroShot.load(t, zs));
        ZeroShot.scoreItems(target, items.subList(0, 1), spec.batch(), Progress.NONE);        // warm-up
        long t0 = System.nanoTime(), c0 = processCpuNanos();
        List<ItemScore> batched = ZeroShot.scoreItems(target, items, spec.batch(), progress);
        long t1 = System.nanoTime(), c1 = processCpuNanos();
        List<ItemScore> single = ZeroShot.scoreItems(target, items, BatchShape.SINGLE, progress);
        long t2 = System.nanoTime(), c2 = processCpuNanos();
        int requests = 0;
        double maxDiff = 0;
        for (int i = 0; i < items.size(); i++)
            for (int j = 0; j < batched.get(i).choices().size(); j++, requests++)
                maxDiff = Math.max(maxDiff, Math.abs(batched.get(i).choices().get(j).loglik() - single.get(i).choices().get(j).loglik()));
        double bs = (t1 - t0) / 1e9, ss = (t2 - t1) / 1e9;
        PerplexityResult ppl = perplexity(target, spec, progress);
        return new EvalBenchResult(items.size(), requests, spec.batch().rows(), spec.batch().tokens(),
                bs, requests / bs, (c1 - c0) / 1e9, ss, requests / ss, (c2 - c1) / 1e9, ss / bs, maxDiff,
                spec.pplDataset(), ppl.window(), ppl.tokens(), ppl.seconds(), ppl.tokensPerSecond(), Engine.threads(), Engine.version());
    }

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
                .withBatch(spec.batch());
        return Perplexity.ofTokens(target, spec.pplDataset(), cut, ps, progress);
    }
}
