package dev.shear.distributed;

import dev.shear.engine.Progress;
import dev.shear.eval.ChoiceItem;
import dev.shear.eval.ContinuationRequest;
import dev.shear.eval.ItemScore;
import dev.shear.eval.PassScores;
import dev.shear.eval.Perplexity;
import dev.shear.eval.PerplexityResult;
import dev.shear.eval.ScoringPass;
import dev.shear.eval.ZeroShot;
import dev.shear.eval.ZeroShotResult;
import dev.shear.eval.ZeroShotSpec;
import dev.shear.eval.ZeroShotTask;
import dev.shear.eval.ZeroShotTaskResult;
import dev.shear.io.Tokenizer;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation across a cluster, with eval's own code: the driver plans the forward passes exactly as
 * one process would, executors score them on their copies of the model, and the driver puts the
 * scores back in order. The same passes give the same bits, so choices and per-item scores are the
 * single-process ones and sums differ from them by nothing at all. The driver reads the model's
 * config and tokenizer, never its weights.
 */
public final class ClusterEval {
    /** Shards per unit of parallelism: slow executors then hold up a quarter of their share at most. */
    static final int SHARDS_PER_SLOT = 4;

    private ClusterEval() {}

    /** A zero-shot run and the per-item scores behind it. */
    public record ZeroShotRun(ZeroShotResult result, Map<ZeroShotTask, List<ItemScore>> items) {}

    /**
     * The zero-shot tasks of the spec: items read here, tokenized on the executors, planned here,
     * scored on the executors, summarised here.
     */
    public static ZeroShotRun zeroShot(Shards shards, ModelRef ref, ZeroShotSpec spec, Progress progress) {
        long t0 = System.nanoTime();
        ModelConfig config = ref.config();
        String tokenizer;
        try (Tokenizer tok = ref.loadTokenizer()) { tokenizer = tok.describe(); }
        Map<ZeroShotTask, List<ChoiceItem>> items = new LinkedHashMap<>();
        List<ItemShard> pieces = new ArrayList<>();
        long requests = 0;
        int total = 0;
        for (ZeroShotTask task : spec.tasks()) {
            List<ChoiceItem> list = ZeroShot.load(task, spec);
            items.put(task, list);
            total += list.size();
            for (ChoiceItem i : list) requests += i.options().size();
        }
        int size = Math.max(1, (total + shards.parallelism() * SHARDS_PER_SLOT - 1) / (shards.parallelism() * SHARDS_PER_SLOT));
        for (Map.Entry<ZeroShotTask, List<ChoiceItem>> e : items.entrySet())
            for (List<ChoiceItem> chunk : chunks(e.getValue(), size)) pieces.add(new ItemShard(ref, config.maxSeqLen(), new ArrayList<>(chunk)));
        List<ArrayList<ArrayList<ContinuationRequest>>> tokenized = shards.map("zero-shot: tokenize", pieces, ClusterEval::tokenize, Progress.NONE);

        Map<ZeroShotTask, List<List<ContinuationRequest>>> requestsByTask = new LinkedHashMap<>();
        int k = 0;
        for (Map.Entry<ZeroShotTask, List<ChoiceItem>> e : items.entrySet()) {
            List<List<ContinuationRequest>> r = new ArrayList<>();
            while (r.size() < e.getValue().size()) r.addAll(tokenized.get(k++));
            requestsByTask.put(e.getKey(), r);
        }
        Map<ZeroShotTask, List<ScoringPass>> passes = new LinkedHashMap<>();
        List<ScoringPass> all = new ArrayList<>();
        for (Map.Entry<ZeroShotTask, List<List<ContinuationRequest>>> e : requestsByTask.entrySet()) {
            List<ScoringPass> p = ZeroShot.plan(config, e.getValue(), spec.batch());
            passes.put(e.getKey(), p);
            all.addAll(p);
        }
        List<PassScores> scores = score(shards, ref, "zero-shot", all, progress);

        Map<ZeroShotTask, List<ItemScore>> itemScores = new LinkedHashMap<>();
        List<ZeroShotTaskResult> results = new ArrayList<>();
        int at = 0;
        for (Map.Entry<ZeroShotTask, List<ScoringPass>> e : passes.entrySet()) {
            List<PassScores> mine = scores.subList(at, at + e.getValue().size());
            at += e.getValue().size();
            ZeroShotTask task = e.getKey();
            List<ItemScore> s = ZeroShot.itemScores(items.get(task), requestsByTask.get(task), mine);
            itemScores.put(task, s);
            double seconds = 0;
            for (PassScores p : mine) seconds += p.seconds();
            results.add(ZeroShot.summarise(task, spec.template(), s, seconds));   // executor seconds of the task's passes
        }
        ZeroShotResult r = ZeroShot.result(spec, results, ref.sha256(), tokenizer, requests, (System.nanoTime() - t0) / 1e9);
        return new ZeroShotRun(r, itemScores);
    }

    /** Perplexity over rows the caller cut here (tokenizing is the driver's; see {@link Perplexity#rows}). */
    public static PerplexityResult perplexity(Shards shards, ModelRef ref, Perplexity.Rows rows, Progress progress) {
        long t0 = System.nanoTime();
        String tokenizer;
        try (Tokenizer tok = ref.loadTokenizer()) { tokenizer = tok.describe(); }
        List<PassScores> scores = score(shards, ref, "perplexity " + rows.label(), Perplexity.plan(ref.config(), rows), progress);
        return Perplexity.result(rows, scores, ref.sha256(), tokenizer, (System.nanoTime() - t0) / 1e9);
    }

    /** Scores the passes in contiguous shards; the scores come back in pass order. */
    static List<PassScores> score(Shards shards, ModelRef ref, String job, List<ScoringPass> passes, Progress progress) {
        int size = Math.max(1, (passes.size() + shards.parallelism() * SHARDS_PER_SLOT - 1) / (shards.parallelism() * SHARDS_PER_SLOT));
        List<PassShard> pieces = new ArrayList<>();
        for (List<ScoringPass> chunk : chunks(passes, size)) pieces.add(new PassShard(ref, new ArrayList<>(chunk)));
        List<PassScores> out = new ArrayList<>(passes.size());
        for (ArrayList<PassScores> s : shards.map(job, pieces, ClusterEval::scorePasses, progress)) out.addAll(s);
        return out;
    }

    /** Items of one task to tokenize, with the model whose tokenizer and context length apply. */
    record ItemShard(ModelRef ref, int contextLength, ArrayList<ChoiceItem> items) implements java.io.Serializable {}

    /** Forward passes to score on the model. */
    record PassShard(ModelRef ref, ArrayList<ScoringPass> passes) implements java.io.Serializable {}

    private static ArrayList<ArrayList<ContinuationRequest>> tokenize(ItemShard s) {
        try (Models.Lease lm = Models.lease(s.ref())) {
            ArrayList<ArrayList<ContinuationRequest>> out = new ArrayList<>();
            for (List<ContinuationRequest> r : ZeroShot.tokenize(lm.tokenizer(), s.contextLength(), s.items())) out.add(new ArrayList<>(r));
            return out;
        }
    }

    private static ArrayList<PassScores> scorePasses(PassShard s) {
        try (Models.Lease lm = Models.lease(s.ref())) {
            ArrayList<PassScores> out = new ArrayList<>(s.passes().size());
            for (ScoringPass p : s.passes()) out.add(p.score(lm.model()));
            return out;
        }
    }

    static <T> List<List<T>> chunks(List<T> list, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int a = 0; a < list.size(); a += size) out.add(list.subList(a, Math.min(list.size(), a + size)));
        return out;
    }
}
