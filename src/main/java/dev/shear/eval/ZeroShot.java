package dev.shear.eval;

import dev.shear.data.StoredItem;
import dev.shear.data.TaskFile;
import dev.shear.engine.Progress;
import dev.shear.io.Tokenizer;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Zero-shot multiple-choice accuracy scored as lm-evaluation-harness does: every option is a
 * (context, continuation) request, scored by the summed log-likelihood of the continuation.
 * All requests of a task are batched together; the options of an item share their context's pass.
 */
public final class ZeroShot {
    private ZeroShot() {}

    public static ZeroShotResult evaluate(EvalTarget target, ZeroShotSpec spec, Progress progress) {
        long start = System.nanoTime();
        Map<ZeroShotTask, List<ChoiceItem>> items = new LinkedHashMap<>();
        long total = 0;
        for (ZeroShotTask task : spec.tasks()) {
            List<ChoiceItem> list = load(task, spec);
            items.put(task, list);
            total += requests(list);
        }
        List<ZeroShotTaskResult> results = new ArrayList<>();
        long done = 0;
        for (Map.Entry<ZeroShotTask, List<ChoiceItem>> e : items.entrySet()) {
            long t0 = System.nanoTime();
            long offset = done, all = total;
            List<ItemScore> scores = scoreItems(target, e.getValue(), spec.batch(), (d, t) -> progress.step(offset + d, all));
            results.add(summarise(e.getKey(), spec.template(), scores, (System.nanoTime() - t0) / 1e9));
            done += requests(e.getValue());
        }
        return result(spec, results, target.modelSha256(), target.tokenizerDescription(), total, (System.nanoTime() - start) / 1e9);
    }

    /** A run's result from its tasks' results, as {@link #evaluate} reports it. */
    public static ZeroShotResult result(ZeroShotSpec spec, List<ZeroShotTaskResult> results, String modelSha256, String tokenizer,
                                        long requests, double seconds) {
        return new ZeroShotResult(spec.template().id(), spec.limit(), results, mean(results, false), mean(results, true), modelSha256, tokenizer,
                spec.batch().rows(), spec.batch().tokens(), (int) requests, seconds, requests / seconds);
    }

    /** A task's first spec.limit() items, validated and put through the spec's template. */
    public static List<ChoiceItem> load(ZeroShotTask task, ZeroShotSpec spec) {
        List<StoredItem> stored = TaskFile.read(spec.file(task), task.partialScoring(), spec.limit());
        List<ChoiceItem> out = new ArrayList<>(stored.size());
        for (int i = 0; i < stored.size(); i++) out.add(spec.template().build(task, i, stored.get(i)));
        return out;
    }

    /**
     * Scores every option of every item; the result lists items in input order. A shape of one row
     * per pass scores each option on its own (the baseline); otherwise each item's shared context
     * runs once and its options continue from it.
     */
    public static List<ItemScore> scoreItems(EvalTarget target, List<ChoiceItem> items, BatchShape batch, Progress progress) {
        return scoreItems(target, items, batch, batch.rows() > 1, progress);
    }

    /** @param sharedContext compute each item's common prefix once, else every option is a row of its own */
    static List<ItemScore> scoreItems(EvalTarget target, List<ChoiceItem> items, BatchShape batch, boolean sharedContext, Progress progress) {
        return scoreRequests(target, items, requests(target, items), batch, sharedContext, progress);
    }

    /** Every option tokenized as lm-evaluation-harness does, one list per item; an item's shared context is encoded once. */
    static List<List<ContinuationRequest>> requests(EvalTarget target, List<ChoiceItem> items) {
        return tokenize(target.tokenizer(), target.contextLength(), items);
    }

    /** The requests of {@link #requests} from the tokenizer alone: what {@link #plan} takes, wherever it was computed. */
    public static List<List<ContinuationRequest>> tokenize(Tokenizer tok, int contextLength, List<ChoiceItem> items) {
        List<List<ContinuationRequest>> out = new ArrayList<>(items.size());
        for (ChoiceItem item : items) {
            List<ContinuationRequest> group = new ArrayList<>();
            Map<String, int[]> contexts = new HashMap<>();
            for (ChoiceItem.Option o : item.options())
                group.add(ContinuationRequest.of(tok, o.context(), o.continuation(), contextLength, contexts));
            out.add(group);
        }
        return out;
    }

    /** Scores tokenized requests (from {@link #requests}) of the items. */
    static List<ItemScore> scoreRequests(EvalTarget target, List<ChoiceItem> items, List<List<ContinuationRequest>> requests,
                                         BatchShape batch, boolean sharedContext, Progress progress) {
        List<ScoringPass> passes = plan(target.model().config(), requests, batch, sharedContext);
        return itemScores(items, requests, PassScores.scoreAll(target.model(), passes, rowCount(requests), progress));
    }

    /**
     * The forward passes {@link #scoreItems} makes for tokenized items (each item's options share
     * their context's pass when the shape takes more than one row), to be scored anywhere and put
     * back together by {@link #itemScores(List, List, List)}.
     */
    public static List<ScoringPass> plan(ModelConfig config, List<List<ContinuationRequest>> requests, BatchShape batch) {
        return plan(config, requests, batch, batch.rows() > 1);
    }

    private static List<ScoringPass> plan(ModelConfig config, List<List<ContinuationRequest>> requests, BatchShape batch, boolean sharedContext) {
        List<List<TokenWindow>> groups = new ArrayList<>();
        List<TokenWindow> rows = new ArrayList<>();
        for (List<ContinuationRequest> group : requests) {
            List<TokenWindow> windows = group.stream().map(ContinuationRequest::window).toList();
            groups.add(windows);
            rows.addAll(windows);
        }
        return sharedContext ? SharedPrefixScorer.plan(config, groups, batch) : SequenceScorer.plan(config, rows, batch);
    }

    /** The items' scores from the scores of every pass {@link #plan} made for them. */
    public static List<ItemScore> itemScores(List<ChoiceItem> items, List<List<ContinuationRequest>> requests, List<PassScores> passes) {
        return itemScores(items, requests, PassScores.assemble(rowCount(requests), passes));
    }

    private static List<ItemScore> itemScores(List<ChoiceItem> items, List<List<ContinuationRequest>> requests, RowScore[] scores) {
        List<ItemScore> out = new ArrayList<>(items.size());
        int k = 0;
        for (int i = 0; i < items.size(); i++) {
            List<ChoiceScore> choices = new ArrayList<>();
            for (int j = 0; j < items.get(i).options().size(); j++) {
                ChoiceItem.Option o = items.get(i).options().get(j);
                ContinuationRequest r = requests.get(i).get(j);
                RowScore s = scores[k++];
                choices.add(new ChoiceScore(s.logprob(), r.contTokens(), o.continuationChars(), o.choiceChars(), s.greedy(), r.truncated()));
            }
            out.add(new ItemScore(items.get(i).index(), items.get(i).gold(), choices));
        }
        return out;
    }

    private static int rowCount(List<List<ContinuationRequest>> requests) {
        int n = 0;
        for (List<ContinuationRequest> g : requests) n += g.size();
        return n;
    }

    public static ZeroShotTaskResult summarise(ZeroShotTask task, PromptTemplate template, List<ItemScore> scores, double seconds) {
        int n = scores.size(), acc = 0, norm = 0, harness = 0, requests = 0, truncated = 0;
        for (ItemScore s : scores) {
            if (s.accChoice() == s.gold()) acc++;
            if (s.accNormChoice() == s.gold()) norm++;
            if (s.accNormHarnessChoice() == s.gold()) harness++;
            requests += s.choices().size();
            for (ChoiceScore c : s.choices()) if (c.truncated()) truncated++;
        }
        Accuracy a = Accuracy.of(acc, n), an = Accuracy.of(norm, n), ah = Accuracy.of(harness, n);
        boolean useAcc = task.llmPrunerMetric() == ZeroShotTask.Metric.ACC;
        return new ZeroShotTaskResult(task.id(), template.id(), n, requests, truncated,
                a.mean(), a.stderr(), an.mean(), an.stderr(), ah.mean(), ah.stderr(),
                task.llmPrunerMetric().id(), useAcc ? a.mean() : an.mean(), useAcc ? a.mean() : ah.mean(),
                seconds, requests / seconds);
    }

    private static double mean(List<ZeroShotTaskResult> results, boolean harness) {
        double sum = 0;
        for (ZeroShotTaskResult r : results) sum += harness ? r.llmPrunerScoreHarness() : r.llmPrunerScore();
        return sum / results.size();
    }

    private static long requests(List<ChoiceItem> items) {
        long n = 0;
        for (ChoiceItem i : items) n += i.options().size();
        return n;
    }
}
