package dev.shear.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Progress;
import dev.shear.eval.EvalTarget;
import dev.shear.eval.ItemScore;
import dev.shear.eval.Perplexity;
import dev.shear.eval.PerplexityResult;
import dev.shear.eval.PerplexitySpec;
import dev.shear.eval.PplSubset;
import dev.shear.eval.TextDataset;
import dev.shear.eval.ZeroShot;
import dev.shear.eval.ZeroShotResult;
import dev.shear.eval.ZeroShotSpec;
import dev.shear.eval.ZeroShotTask;
import dev.shear.eval.ZeroShotTaskResult;
import dev.shear.io.ModelFolder;
import dev.shear.io.ModelStream;
import dev.shear.io.Tokenizer;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.prune.Calibration;
import dev.shear.prune.KdaSettings;
import dev.shear.prune.KnowledgeDistribution;
import dev.shear.prune.PruneSettings;
import dev.shear.prune.PruneTarget;
import dev.shear.testing.Golden;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The promise of the cluster mode, on the real stories260K: evaluation, KDA and calibration cut into
 * pieces, run through {@link #shards()} and put back together, equal what one process computes on
 * the same model (identical choices and per-item scores; sums within 1e-9 relative). The core runs
 * it through serialization in one JVM; the spark module runs it on Spark in local mode.
 */
public abstract class ClusterAgreement {
    protected abstract Shards shards();

    /** Most model loads one job may cost this cluster (one per executor slot). */
    protected abstract int slots();

    static Path model() { return Golden.storiesBin(); }

    static ModelRef ref() { return ModelRef.of(model(), null, DType.F32); }

    static CausalLm load() {
        try (ModelStream s = ModelFolder.open(model())) { return CausalLm.fromSource(s.config(), s.weights(), DType.F32); }
    }

    @Test void zeroShotGivesTheSameChoicesAndScoresAsOneProcess() {
        ZeroShotSpec spec = ZeroShotSpec.all().withLimit(24);
        int loads = Models.loads();
        ClusterEval.ZeroShotRun run = ClusterEval.zeroShot(shards(), ref(), spec, Progress.NONE);
        assertTrue(Models.loads() - loads <= slots(), "the model loaded " + (Models.loads() - loads) + " times for " + slots() + " slots");
        try (CausalLm m = load(); Tokenizer tok = ModelFolder.loadTokenizer(model(), null)) {
            EvalTarget t = new EvalTarget(m, tok, run.result().modelSha256());
            ZeroShotResult one = ZeroShot.evaluate(t, spec, Progress.NONE);
            int requests = 0;
            for (ZeroShotTask task : spec.tasks()) {
                List<ItemScore> want = ZeroShot.scoreItems(t, ZeroShot.load(task, spec), spec.batch(), Progress.NONE);
                List<ItemScore> got = run.items().get(task);
                assertEquals(want.size(), got.size(), task.id());
                for (int i = 0; i < want.size(); i++) {
                    assertEquals(want.get(i).accChoice(), got.get(i).accChoice(), task + " item " + i);
                    assertEquals(want.get(i).accNormChoice(), got.get(i).accNormChoice(), task + " item " + i);
                    for (int j = 0; j < want.get(i).choices().size(); j++, requests++)
                        assertEquals(want.get(i).choices().get(j), got.get(i).choices().get(j), task + " item " + i + " option " + j);
                }
            }
            assertEquals(one.requests(), requests);
            for (int k = 0; k < one.tasks().size(); k++) {
                ZeroShotTaskResult a = one.tasks().get(k), b = run.result().tasks().get(k);
                assertEquals(a.task(), b.task());
                assertEquals(a.acc(), b.acc(), 0, a.task());
                assertEquals(a.accNorm(), b.accNorm(), 0, a.task());
                assertEquals(a.accNormHarness(), b.accNormHarness(), 0, a.task());
            }
            assertEquals(one.llmPrunerMean(), run.result().llmPrunerMean(), 0);
            assertEquals(one.tokenizer(), run.result().tokenizer());
            assertEquals(one.requests(), run.result().requests());
        }
    }

    @Test void perplexitySumsEqualOneProcess() {
        try (CausalLm m = load(); Tokenizer tok = ModelFolder.loadTokenizer(model(), null)) {
            EvalTarget t = new EvalTarget(m, tok, ref().sha256());
            TextDataset tiny = new TextDataset("tinystories", Path.of(dev.shear.data.DataPaths.data("tinystories/tinystories_valid_head.txt").toString()),
                    TextDataset.Format.PLAIN);
            PerplexitySpec lines = PerplexitySpec.lines(2700, 2900);
            same(Perplexity.evaluate(t, tiny, lines, Progress.NONE),
                    ClusterEval.perplexity(shards(), ref(), Perplexity.rows(tok, t.contextLength(), tiny, lines), Progress.NONE));
            PerplexitySpec llmPruner = PerplexitySpec.llmPruner();
            same(PplSubset.evaluate(t, "wikitext2", llmPruner, 16384, Progress.NONE),
                    ClusterEval.perplexity(shards(), ref(), PplSubset.rows(tok, t.contextLength(), "wikitext2", llmPruner, 16384), Progress.NONE));
        }
    }

    private static void same(PerplexityResult one, PerplexityResult cluster) {
        assertEquals(one.tokens(), cluster.tokens());
        assertEquals(one.windows(), cluster.windows());
        assertEquals(one.dataset(), cluster.dataset());
        assertEquals(one.nllSum(), cluster.nllSum(), 1e-9 * Math.abs(one.nllSum()), one.dataset());
        assertEquals(one.ppl(), cluster.ppl(), 1e-9 * one.ppl(), one.dataset());
    }

    @Test void kdaProbesEqualOneProcess() {
        LoraConfig lora = LoraConfig.paperDefaults(3);
        PruneSettings s = dev.shear.pipeline.PipelineConfig.defaults().pruneSettings().withKda(new KdaSettings(List.of(0.2, 0.5), 0.15))
                .withTraining(dev.shear.pipeline.PipelineConfig.defaults().pruneSettings().training().withLora(lora));
        ValidationProbe probe = new ValidationProbe(validation(24), 128, 8);
        try (CausalLm m = load()) {
            PruneTarget t = PruneTarget.trace(m, lora);
            KnowledgeDistribution.Result one = t.adapters().bypassed(() ->
                    KnowledgeDistribution.analyse(m, t.structures(), s.kda().ratios(), s.kda().gammaU(), probe, Progress.NONE));
            KnowledgeDistribution.Result cluster = new ClusterPrune(shards(), ref(), probe, Progress.NONE).kda(t.structures(), s);
            assertEquals(one.basePpl(), cluster.basePpl(), 0);
            assertEquals(one.rows().size(), cluster.rows().size());
            for (int i = 0; i < one.rows().size(); i++) {
                assertEquals(one.rows().get(i).id(), cluster.rows().get(i).id());
                assertEquals(one.rows().get(i).ppl(), cluster.rows().get(i).ppl(), one.rows().get(i).id());
                assertEquals(one.rows().get(i).unprunable(), cluster.rows().get(i).unprunable());
            }
            assertEquals(one.unprunableGroups(), cluster.unprunableGroups());
            t.adapters().discard();
        }
    }

    @Test void calibrationSumsEqualOneProcess() {
        List<int[]> lines = validation(40);
        List<TokenBatch> batches = new ArrayList<>();
        for (int b = 0; b < 5; b++) {
            int[][] rows = new int[4][];
            for (int r = 0; r < 4; r++) rows[r] = java.util.Arrays.copyOf(lines.get(b * 4 + r), 33);
            batches.add(TokenBatch.causal(rows));
        }
        ClusterPrune cluster = new ClusterPrune(shards(), ref(), new ValidationProbe(List.of(), 8, 1), Progress.NONE);
        for (boolean gradients : new boolean[] {false, true})
            try (CausalLm m = load()) {
                Calibration.Sums one = Calibration.collect(m, batches, gradients).sums();
                Calibration.Sums got = cluster.calibrate(batches, gradients).sums();
                assertEquals(one.tokens(), got.tokens());
                close(one.sum(), got.sum(), "sum x");
                close(one.sumSq(), got.sumSq(), "sum x^2");
                assertEquals(one.gradients().keySet(), got.gradients().keySet());
                assertEquals(gradients, !one.gradients().isEmpty());
                for (Map.Entry<String, Calibration.Gradient> e : one.gradients().entrySet())
                    close(Map.of(e.getKey(), e.getValue().sum()), Map.of(e.getKey(), got.gradients().get(e.getKey()).sum()), "gradient");
            }
    }

    private static void close(Map<String, double[]> want, Map<String, double[]> got, String what) {
        assertEquals(want.keySet(), got.keySet(), what);
        for (Map.Entry<String, double[]> e : want.entrySet()) {
            double[] a = e.getValue(), b = got.get(e.getKey());
            assertEquals(a.length, b.length);
            double scale = 0;
            for (double v : a) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < a.length; i++)
                assertEquals(a[i], b[i], 1e-9 * Math.max(Math.abs(a[i]), 1e-12 * scale), what + " " + e.getKey() + "[" + i + "]");
        }
    }

    /** TinyStories validation lines (2700 on), tokenized BOS first, at least 34 tokens. */
    static List<int[]> validation(int n) {
        try (Tokenizer tok = ModelFolder.loadTokenizer(model(), null)) {
            List<int[]> out = new ArrayList<>();
            List<String> lines = TextDataset.nonEmptyLines(new TextDataset("t", dev.shear.data.DataPaths.data("tinystories/tinystories_valid_head.txt"),
                    TextDataset.Format.PLAIN).read());
            for (int i = 2700; out.size() < n; i++) {
                int[] ids = tok.encode(lines.get(i), true, false);
                if (ids.length >= 34) out.add(ids);
            }
            return out;
        }
    }
}
