package dev.shear.pipeline;

import dev.shear.data.DataPaths;
import dev.shear.distributed.ClusterEval;
import dev.shear.distributed.ClusterSettings;
import dev.shear.distributed.ModelRef;
import dev.shear.distributed.Shards;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.Progress;
import dev.shear.eval.Datasets;
import dev.shear.eval.EvalTarget;
import dev.shear.eval.Perplexity;
import dev.shear.eval.PerplexityResult;
import dev.shear.eval.PerplexitySpec;
import dev.shear.eval.PplSubset;
import dev.shear.eval.ZeroShot;
import dev.shear.eval.ZeroShotResult;
import dev.shear.eval.ZeroShotSpec;
import dev.shear.eval.ZeroShotTask;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.GraphReport;
import dev.shear.io.AtomicFiles;
import dev.shear.io.ShearJson;
import dev.shear.io.Tokenizer;
import dev.shear.lora.LoraAdapters;
import dev.shear.prune.PruneRun;
import dev.shear.prune.PruneSettings;
import dev.shear.prune.PruneTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * graph → (KDA +) prune → recover → evaluate → report, each stage leaving its output and a done
 * marker in the run folder, so --resume skips finished stages and continues long ones from checkpoints.
 */
public final class Pipeline {
    /** The config a run folder was started with; its presence marks the folder as a run. */
    static final String RESOLVED_CONFIG = "config.resolved.yaml";
    private final PipelineConfig cfg;
    private final Path dir;
    private final Map<String, Double> stageSeconds = new LinkedHashMap<>();
    private final Progress progress;
    private Traced traced;
    private RunFingerprint fingerprint;
    /** The cluster of the config's spark section while the run lasts; null runs everything here. */
    private Shards shards;

    /** @param progress where the long stages report (one task per stage and model) */
    public Pipeline(PipelineConfig cfg, Progress progress) {
        this.cfg = cfg;
        this.progress = progress;
        this.dir = Path.of(cfg.output());
    }

    /**
     * Runs the stages not yet done. Everything is checked first ({@link Preflight}): a bad value, a
     * missing file, an output that overlaps an input, or --resume of a run started with other
     * settings or inputs fails before the run folder is created or touched.
     */
    public Path run(boolean resume) {
        RunFingerprint fp = Preflight.pipeline(cfg, resume);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot create (" + e.getMessage() + ")");
        }
        writeConfig();
        if (RunFingerprint.read(dir) == null) fp.write(dir);
        this.fingerprint = fp;
        Path model = cfg.model() == null ? DataPaths.stories260K() : Path.of(cfg.model());
        try {
            if (cfg.spark().active()) {
                shards = Shards.connect(new ClusterSettings(cfg.spark().master(), cfg.spark().properties(), Engine.device().isGpu() ? "cuda" : "cpu"));
                log("cluster: " + shards.describe() + ", " + shards.parallelism() + " task slots (KDA, one-shot calibration and evaluation run there)");
            }
            stage("graph", () -> graph(model));
            stage("prune", () -> prune(model));
            stage("recover", () -> recover(model));
            stage("evaluate", () -> evaluate(model));
            stage("report", () -> PipelineReport.write(dir, cfg, model, stageSeconds));
        } finally {
            if (shards != null) shards.close();
            shards = null;
        }
        return dir.resolve("report.html");
    }

    private void stage(String name, Runnable body) {
        Path marker = dir.resolve("stage-" + name + ".done");
        if (Files.exists(marker)) {
            stageSeconds.put(name, readSeconds(marker));
            log(name + ": done earlier, skipped");
            return;
        }
        long t0 = System.nanoTime();
        body.run();
        double secs = (System.nanoTime() - t0) / 1e9;
        stageSeconds.put(name, secs);
        AtomicFiles.writeString(marker, ShearJson.string(Map.of("stage", name, "seconds", secs)));
        log(String.format("%s: finished in %.1f s", name, secs));
    }

    /**
     * Loads the model, inserts the pruning-time adapters and traces it: graph.json comes from this
     * trace, and the prune stage of the same process prunes this very model, traced once.
     */
    private void graph(Path model) {
        PruneSettings s = cfg.pruneSettings();
        LoadedLm lm = LoadedLm.open(model, null);
        try {
            LoraAdapters ad = LoraAdapters.insert(lm.model(), s.training().lora());
            DependencyGraph graph = DependencyGraph.trace(lm.model());
            GraphReport report = graph.report();
            AtomicFiles.writeString(dir.resolve("graph.json"), report.toJson());
            log("graph: " + graph.prunableGroups().size() + " prunable node groups, " + report.table().lines().count() + " groups in all");
            traced = new Traced(lm, PruneTarget.of(lm.model(), ad, graph));
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /** A loaded model and its trace, handed from the graph stage to the prune stage. */
    private record Traced(LoadedLm lm, PruneTarget target) {}

    private void prune(Path model) {
        PruneSettings s = cfg.pruneSettings();
        PruneJob.PruneData data = PruneJob.PruneData.of(cfg.prune().data(),
                cfg.recovery().spec() == null ? null : Path.of(cfg.recovery().spec()), cfg.seed());
        Engine.seed(cfg.seed());
        if (traced == null) {                                  // resumed after the graph stage: trace again in this process
            LoadedLm lm = LoadedLm.open(model, null);
            traced = new Traced(lm, PruneJob.trace(lm, s));
        }
        try (LoadedLm lm = traced.lm()) {
            PruneJob.Remote remote = shards == null ? null : new PruneJob.Remote(shards, ModelRef.of(model, null, DType.F32));
            PruneRun.Result r = PruneJob.run(traced.target(), lm.tokenizer(), s, data, dir.resolve("pruned"),
                    new FileCheckpointer(dir.resolve("pruned.ckpt"), 2, fingerprint), progress, remote);
            log(String.format("prune: %s removed %.2f%% of parameters (%d -> %d), target %.2f%%", r.method(),
                    100 * r.achievedRatio(), r.paramsBefore(), r.paramsAfter(), 100 * r.targetRatio()));
        } finally {
            traced = null;
        }
        AtomicFiles.deleteTree(dir.resolve("pruned.ckpt"));
    }

    private void recover(Path model) {
        Path specFile = cfg.recovery().spec() == null ? null : Path.of(cfg.recovery().spec());
        RecoverySpec spec = cfg.recoverySpec();
        Engine.seed(cfg.seed());
        try (LoadedLm pruned = LoadedLm.open(dir.resolve("pruned"), null); LoadedLm ref = LoadedLm.open(model, null)) {
            RecoverJob.Report r = RecoverJob.run(pruned, ref, spec, specFile, cfg.seed(), dir.resolve("recovered"), dir.resolve("recovered.ckpt"),
                    fingerprint, progress);
            log("recover: " + r.pretrain().rounds().size() + " rounds, " + r.pretrain().stopReason());
        }
        AtomicFiles.deleteTree(dir.resolve("recovered.ckpt"));
    }

    private void evaluate(Path model) {
        Map<String, ModelEvaluation> all = new LinkedHashMap<>();
        Map<String, Path> models = new LinkedHashMap<>();
        models.put("original", model);
        models.put("pruned", dir.resolve("pruned"));
        models.put("recovered", dir.resolve("recovered"));
        for (Map.Entry<String, Path> e : models.entrySet()) all.put(e.getKey(), evaluateOne(e.getValue()));
        ShearJson.write(dir.resolve("eval-report.json"), all);
    }

    /** The numbers the report quotes; `./shear eval` on the saved model gives the same ones. */
    public ModelEvaluation evaluateOne(Path model) {
        if (shards != null) return evaluateOnCluster(model);
        try (LoadedLm lm = LoadedLm.open(model, null)) {
            EvalTarget t = new EvalTarget(lm.model(), lm.tokenizer(), lm.sha256());
            Map<String, PerplexityResult> ppl = new LinkedHashMap<>();
            for (String ds : cfg.evaluation().ppl()) {
                if (ds.equals("tinystories"))
                    ppl.put("tinystories", Perplexity.evaluate(t, "tinystories", PerplexitySpec.lines(DefaultData.VALIDATION_END, -1), Progress.NONE));
                else ppl.put(ds, PplSubset.evaluate(t, ds, PerplexitySpec.llmPruner(), cfg.evaluation().pplTokens(), Progress.NONE));
            }
            List<ZeroShotTask> tasks = cfg.evaluation().zeroshotTasks();
            ZeroShotResult z = null;
            if (!tasks.isEmpty()) {
                try (Progress bar = progress.task("zero-shot " + model.getFileName(), 1)) {
                    z = ZeroShot.evaluate(t, ZeroShotSpec.all().withTasks(tasks).withLimit(cfg.evaluation().zeroshotLimit()), bar);
                }
            }
            return new ModelEvaluation(lm.model().numParams(), lm.sha256(), ppl, z);
        }
    }

    /** {@link #evaluateOne} with the windows and items scored on the cluster: the same numbers (docs/distributed.md). */
    private ModelEvaluation evaluateOnCluster(Path model) {
        ModelRef ref = ModelRef.of(model, null, DType.F32);
        int context = ref.config().maxSeqLen();
        Map<String, PerplexityResult> ppl = new LinkedHashMap<>();
        try (Tokenizer tok = ref.loadTokenizer()) {
            for (String ds : cfg.evaluation().ppl()) {
                Perplexity.Rows rows = ds.equals("tinystories")
                        ? Perplexity.rows(tok, context, Datasets.text("tinystories"), PerplexitySpec.lines(DefaultData.VALIDATION_END, -1))
                        : PplSubset.rows(tok, context, ds, PerplexitySpec.llmPruner(), cfg.evaluation().pplTokens());
                ppl.put(ds, ClusterEval.perplexity(shards, ref, rows, Progress.NONE));
            }
        }
        List<ZeroShotTask> tasks = cfg.evaluation().zeroshotTasks();
        ZeroShotResult z = null;
        if (!tasks.isEmpty()) {
            try (Progress bar = progress.task("zero-shot " + model.getFileName() + " on " + shards.describe(), 1)) {
                z = ClusterEval.zeroShot(shards, ref, ZeroShotSpec.all().withTasks(tasks).withLimit(cfg.evaluation().zeroshotLimit()), bar).result();
            }
        }
        long params = 0;                                          // what CausalLm.numParams counts, from the config: the driver loads no weights
        for (long[] shape : dev.shear.model.WeightNames.expectedShapes(ref.config()).values()) params += dev.shear.engine.HostTensor.numel(shape);
        return new ModelEvaluation(params, ref.sha256(), ppl, z);
    }

    private void writeConfig() { AtomicFiles.writeString(dir.resolve(RESOLVED_CONFIG), ConfigYaml.write(cfg)); }

    private double readSeconds(Path marker) {
        try {
            return ((Number) ShearJson.MAPPER.readValue(Files.readString(marker), Map.class).get("seconds")).doubleValue();
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    public void log(String line) {
        System.err.println("shear: " + line);
        try {
            Files.writeString(dir.resolve("shear.log"), java.time.Instant.now() + " " + line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log is a convenience; the run goes on without it
        }
    }
}
