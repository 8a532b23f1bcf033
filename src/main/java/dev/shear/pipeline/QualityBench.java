package dev.shear.pipeline;

import dev.shear.data.BatchSource;
import dev.shear.data.Batches;
import dev.shear.data.Corpus;
import dev.shear.data.DataPaths;
import dev.shear.data.Mixture;
import dev.shear.data.SourceSpec;
import dev.shear.distributed.ValidationProbe;
import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Progress;
import dev.shear.eval.EvalTarget;
import dev.shear.eval.Perplexity;
import dev.shear.eval.PerplexitySpec;
import dev.shear.eval.PplSubset;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.ShearJson;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.model.WidthAlignment;
import dev.shear.prune.Allocation;
import dev.shear.prune.KdaSettings;
import dev.shear.prune.KnowledgeDistribution;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneRun;
import dev.shear.prune.PruneSettings;
import dev.shear.prune.PruneTarget;
import dev.shear.recover.DynamicMixture;
import dev.shear.recover.DynamicRecovery;
import dev.shear.recover.RecoverySettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the quality benchmarks share: stories260K and its tokenizer, the default recovery mixture
 * with the dense model's perplexity on it, pruning with one KDA result for every method, and
 * evaluated rows appended to a JSONL file (rows already there are skipped, so a run resumes).
 */
public final class QualityBench {
    /** A pruned model kept on the host, so each recovery setting starts from the same weights. */
    public record Pruned(ModelConfig config, Map<String, HostTensor> weights, PruneRun.Result result) {
        public CausalLm model() { return CausalLm.fromWeights(config, weights, DType.F32); }
    }

    public final Tokenizer tok;
    public final LoadedModel original;
    public final List<Corpus> recoverySources = new ArrayList<>();
    public final Map<String, Double> referencePpl;
    private final Path out;
    private final int pplTokens;
    private final RecoverySettings measureSettings;
    private final Consumer<String> rows;
    private KnowledgeDistribution.Result kda;

    /**
     * @param out  the JSONL file rows are appended to; null keeps none (a cluster's executor hands its rows back instead)
     * @param rows sees each row as one line of JSON as it is appended (the CLI prints it)
     */
    public QualityBench(Path out, int pplTokens, RecoverySettings measure, Consumer<String> rows) {
        this.out = out;
        this.rows = rows;
        this.pplTokens = pplTokens;
        this.measureSettings = measure;
        Path model = DataPaths.stories260K();
        original = ModelFolder.load(model);
        tok = ModelFolder.loadTokenizer(model, null);
        for (SourceSpec s : RecoverySpec.load(null).sources(null)) recoverySources.add(Corpus.load(s, tok, 64));
        try (CausalLm dense = fresh()) {
            referencePpl = DynamicRecovery.measure(dense, recoverySources, measure.training());
        }
    }

    /** The same loaded model, data and KDA result, with rows going to another file and listener (null file: none). */
    private QualityBench(QualityBench from, Path out, Consumer<String> rows) {
        this.tok = from.tok;
        this.original = from.original;
        this.recoverySources.addAll(from.recoverySources);
        this.referencePpl = from.referencePpl;
        this.out = out;
        this.pplTokens = from.pplTokens;
        this.measureSettings = from.measureSettings;
        this.rows = rows;
        this.kda = from.kda;
    }

    /** This bench writing no file, each row handed to the listener as one line of JSON: a grid cell run on a cluster. */
    public QualityBench withoutFile(Consumer<String> rows) { return new QualityBench(this, null, rows); }

    public CausalLm fresh() { return CausalLm.fromWeights(original.config(), original.weights(), DType.F32); }

    /**
     * The KDA result every method shares: computed by the first {@link #prune} or here, once; a
     * cluster computes it on the driver and hands it to each cell ({@link #withKda}).
     */
    public KnowledgeDistribution.Result kda() {
        if (kda == null) {
            List<int[]> val = Corpus.load(DefaultData.tinyValidation(), tok, 0).train();
            try (CausalLm model = fresh()) {
                PruneTarget target = PruneTarget.trace(model, PipelineConfig.defaults().pruneSettings().training().lora());
                kda = target.adapters().bypassed(() -> KnowledgeDistribution.analyse(model, target.structures(), List.of(0.2, 0.5), 0.15,
                        new ValidationProbe(val, 512, 16), Progress.NONE));
                target.adapters().discard();
            }
        }
        return kda;
    }

    public QualityBench withKda(KnowledgeDistribution.Result k) {
        this.kda = k;
        return this;
    }

    /**
     * Prunes a fresh copy. KDA (magnitude proxy, no randomness) runs once and protects the same groups
     * for every method, tuned on the validation lines 2700-3000.
     */
    public Pruned prune(PruneSettings s, PruneJob.DataKind data) {
        List<int[]> val = Corpus.load(DefaultData.tinyValidation(), tok, 0).train();
        KnowledgeDistribution.Probe probe = new ValidationProbe(val, 512, 16);
        DynamicMixture dynamic = data == PruneJob.DataKind.DYNAMIC
                ? new DynamicMixture(new Mixture(recoverySources), referencePpl, measureSettings.mixture(), measureSettings.training()) : null;
        BatchSource batches = switch (data) {
            case TINYSTORIES -> Batches.uniform(List.of(Corpus.load(DefaultData.tinyTrain(), tok, 0)), s.training().batch(), s.training().seqLen(), s.seed());
            case MIXTURE -> Batches.uniform(recoverySources, s.training().batch(), s.training().seqLen(), s.seed());
            case DYNAMIC -> dynamic.mixture().batches(s.training().batch(), s.training().seqLen(), s.seed());
        };
        try (CausalLm model = fresh()) {
            PruneTarget target = PruneTarget.trace(model, s.training().lora());
            if (kda == null) kda = target.adapters().bypassed(() -> KnowledgeDistribution.analyse(model, target.structures(), List.of(0.2, 0.5), 0.15, probe, Progress.NONE));
            PruneRun.Outcome o = PruneRun.run(target, s, PruneRun.Context.of(batches, probe).withPreview(dynamic == null ? null : new DynamicPruneData(dynamic)).withKnownKda(kda));
            try (CausalLm c = o.compact()) {
                return new Pruned(c.config(), c.toHost(), o.result());
            }
        }
    }

    /**
     * The benchmarks' pruning settings: the bundled defaults with the benchmark's schedule, learning
     * rate and batch, uniform allocation (or what the caller sets), no KDA of their own ({@link #prune}
     * runs one for every method) and no checkpoints.
     */
    public static PruneSettings settings(Method m, double ratio, long seed, LhspgSchedule schedule, double lr, int batch, int seq) {
        PruneSettings d = PipelineConfig.defaults().pruneSettings();
        return d.withMethod(m).withRatio(ratio).withAllocation(Allocation.UNIFORM).withAlign(WidthAlignment.NONE).withSchedule(schedule)
                .withTraining(d.training().withLr(lr).withBatch(batch).withSeqLen(seq).withCheckpointEvery(0).withLora(d.training().lora().withSeed(seed)))
                .withKda(KdaSettings.NONE).withSeed(seed);
    }

    /** Dynamic (or static) recovery on the default mixture, no early stop, nothing checkpointed. */
    public void recover(CausalLm model, RecoverySettings s) {
        if (s.stepsPerRound() <= 0) return;
        DynamicRecovery.run(model, recoverySources, referencePpl, s, DynamicRecovery.RoundStore.NONE, Progress.NONE);
    }

    /** The built-in spec's recovery with the benchmarks' budget: warm-up 5, never stopping early, no checkpoints. */
    public static RecoverySettings recovery(int rounds, int stepsPerRound, int batch, int seq, double lr, long seed, boolean dynamic) {
        RecoverySettings spec = RecoverySpec.load(null).settings(seed);
        return spec.withBudget(rounds, stepsPerRound).withWarmupSteps(5).withMinImprovement(-1.0)
                .withMixture(spec.mixture().withDynamic(dynamic))
                .withTraining(spec.training().withBatch(batch).withSeqLen(seq).withLr(lr).withCheckpointEvery(0));
    }

    /** True when a row with these key fields is already in the file. */
    public boolean done(Map<String, Object> key) {
        if (out == null || !Files.exists(out)) return false;
        try {
            for (String line : Files.readAllLines(out)) {
                if (line.isBlank()) continue;
                Map<?, ?> row = ShearJson.MAPPER.readValue(line, Map.class);
                if (key.entrySet().stream().allMatch(e -> same(e.getValue(), row.get(e.getKey())))) return true;
            }
        } catch (IOException e) {
            throw new IllegalStateException(out + ": " + e.getMessage());
        }
        return false;
    }

    private static boolean same(Object want, Object got) {
        if (want instanceof Number a && got instanceof Number b) return a.doubleValue() == b.doubleValue();
        return want.equals(got);
    }

    /**
     * Evaluates the model (TinyStories validation and held-out lines, WikiText-2 and PTB under the
     * llm-pruner protocol) and appends the key, the extra fields and the metrics as one line.
     */
    public void row(Map<String, Object> key, CausalLm m, Map<String, Object> extra) {
        if (done(key)) return;
        save(measure(key, m, extra));
    }

    /** Appends a copy of an evaluated row under another key (the same model reached by two budgets). */
    public void copy(Map<String, Object> row, Map<String, Object> key) {
        if (done(key)) return;
        Map<String, Object> r = new LinkedHashMap<>(row);
        r.putAll(key);
        save(r);
    }

    public Map<String, Object> measure(Map<String, Object> key, CausalLm m, Map<String, Object> extra) {
        EvalTarget t = new EvalTarget(m, tok, "");
        Map<String, Object> r = new LinkedHashMap<>(key);
        r.putAll(extra);
        r.put("params", m.numParams());
        r.put("achieved_ratio", 1.0 - (double) m.numParams() / original.weights().values().stream().mapToLong(HostTensor::numel).sum());
        r.put("tinystories_val", Perplexity.evaluate(t, "tinystories", PerplexitySpec.lines(DefaultData.TRAIN_END, DefaultData.VALIDATION_END), dev.shear.engine.Progress.NONE).ppl());
        r.put("tinystories_heldout", Perplexity.evaluate(t, "tinystories", PerplexitySpec.lines(DefaultData.VALIDATION_END, -1), dev.shear.engine.Progress.NONE).ppl());
        for (String ds : List.of("wikitext2", "ptb")) r.put(ds, PplSubset.evaluate(t, ds, PerplexitySpec.llmPruner(), pplTokens, dev.shear.engine.Progress.NONE).ppl());
        return r;
    }

    public void save(Map<String, Object> row) {
        rows.accept(ShearJson.string(row).replace("\n", " "));
        if (out == null) return;
        try {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, ShearJson.MAPPER.writeValueAsString(row).replace("\n", "").replaceAll("\\s+", " ") + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(out + ": " + e.getMessage());
        }
    }

    /** The named key fields of a saved row, each required: what {@link #done} matches a returned row by. */
    public static Map<String, Object> keyOf(Map<String, Object> row, List<String> fields) {
        Map<String, Object> key = new LinkedHashMap<>();
        for (String k : fields) key.put(k, java.util.Objects.requireNonNull(row.get(k), "row without " + k));
        return key;
    }

    public static Map<String, Object> key(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
