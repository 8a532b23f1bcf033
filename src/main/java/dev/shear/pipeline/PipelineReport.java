package dev.shear.pipeline;

import dev.shear.data.DataPaths;
import dev.shear.engine.Engine;
import dev.shear.eval.ZeroShotResult;
import dev.shear.eval.ZeroShotTaskResult;
import dev.shear.graph.Cluster;
import dev.shear.io.AtomicFiles;
import dev.shear.io.ShearJson;
import dev.shear.model.LayerWidths;
import dev.shear.prune.KnowledgeDistribution;
import dev.shear.prune.LhspgPruner;
import dev.shear.prune.PruneRun;
import dev.shear.recover.DynamicRecovery;
import dev.shear.report.Document;
import dev.shear.report.Plots;
import dev.shear.train.SlowSteps;
import dev.shear.train.TrainingLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** report.md, report.html and the plots, from the stage reports in the run folder, read back as the records they were written from. */
public final class PipelineReport {
    private PipelineReport() {}

    public static void write(Path dir, PipelineConfig cfg, Path model, Map<String, Double> seconds) {
        PruneRun.Result prune = ShearJson.read(dir.resolve("pruned/prune-report.json"), PruneRun.Result.class);
        RecoverJob.Report recover = ShearJson.read(dir.resolve("recovered/recover-report.json"), RecoverJob.Report.class);
        Map<String, ModelEvaluation> eval = ShearJson.convert(ShearJson.read(dir.resolve("eval-report.json"), Map.class),
                ShearJson.MAPPER.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, ModelEvaluation.class));
        Document d = new Document("Shear run: " + prune.method() + " at " + pct(prune.targetRatio()) + " of parameters");
        d.heading("Summary").table(List.of("", "value"), List.of(
                List.of("model", model.toString()),
                List.of("method", prune.method()),
                List.of("allocation", prune.allocation() + ("kda".equals(prune.allocation()) ? " (per-layer counts from the KDA curves)" : " (one ratio per cluster)")),
                List.of("parameters", prune.paramsBefore() + " → " + prune.paramsAfter()),
                List.of("removed (target)", pct(prune.achievedRatio()) + " (" + pct(prune.targetRatio()) + ")"),
                List.of("LoRA steps while pruning", String.valueOf(prune.trainSteps())),
                List.of("seed", String.valueOf(cfg.seed())),
                List.of("engine", Engine.version() + ", " + Engine.threads() + " threads, Java " + System.getProperty("java.version")),
                List.of("model sha256", DataPaths.sha256(model))));
        d.heading("Wall time per stage").table(List.of("stage", "seconds"), seconds.entrySet().stream()
                .map(e -> List.of(e.getKey(), String.format("%.1f", e.getValue()))).toList());
        quality(d, eval, dir);
        training(d, prune, recover.pretrain(), dir);
        numericalSafety(d, events(prune, recover));
        structure(d, prune, dir);
        d.para("Files: config.resolved.yaml, graph.json, pruned/ (compact model, prune-report.json), recovered/ (model, "
                + "recover-report.json), eval-report.json, shear.log. Perplexity: TinyStories lines " + DefaultData.VALIDATION_END
                + "+ (held out from all training), protocol lines; WikiText-2 and PTB, protocol llm-pruner (128-token windows), first "
                + cfg.evaluation().pplTokens() + " tokens.");
        AtomicFiles.writeString(dir.resolve("report.md"), d.markdown());
        AtomicFiles.writeString(dir.resolve("report.html"), d.html());
    }

    private static void quality(Document d, Map<String, ModelEvaluation> eval, Path dir) {
        List<String> models = new ArrayList<>(eval.keySet());
        List<List<String>> rows = new ArrayList<>();
        Map<String, double[]> pplSeries = new LinkedHashMap<>();
        List<String> datasets = new ArrayList<>(eval.get(models.get(0)).perplexity().keySet());
        for (String m : models) {
            ModelEvaluation e = eval.get(m);
            List<String> row = new ArrayList<>(List.of(m, String.valueOf(e.params())));
            double[] v = new double[datasets.size()];
            for (int i = 0; i < datasets.size(); i++) {
                v[i] = e.perplexity().get(datasets.get(i)).ppl();
                row.add(String.format("%.3f", v[i]));
            }
            pplSeries.put(m, v);
            row.add(e.zeroshot() == null ? "-" : String.format("%.4f", e.zeroshot().llmPrunerMean()));
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("model", "params"));
        for (String ds : datasets) header.add(ds + " ppl");
        header.add("zero-shot mean");
        d.heading("Quality: original, pruned, recovered").table(header, rows);
        Plots.bars(dir.resolve("plot-perplexity.png"), "Perplexity (lower is better)", "perplexity", datasets, pplSeries);
        d.image("plot-perplexity.png", "Perplexity of the original, pruned and recovered models");
        zeroShot(d, eval, models, dir);
    }

    private static void zeroShot(Document d, Map<String, ModelEvaluation> eval, List<String> models, Path dir) {
        ZeroShotResult first = eval.get(models.get(0)).zeroshot();
        if (first == null) return;
        List<String> tasks = first.tasks().stream().map(ZeroShotTaskResult::task).toList();
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String m : models)
            series.put(m, eval.get(m).zeroshot().tasks().stream().mapToDouble(ZeroShotTaskResult::llmPrunerScore).toArray());
        Plots.bars(dir.resolve("plot-zeroshot.png"), "Zero-shot accuracy (LLM-Pruner metric per task)", "accuracy", tasks, series);
        d.image("plot-zeroshot.png", "Zero-shot accuracy per task (acc for BoolQ and WinoGrande, acc_norm otherwise)");
    }

    private static void training(Document d, PruneRun.Result prune, DynamicRecovery.Report pre, Path dir) {
        d.heading("Training");
        List<Double> losses = new ArrayList<>(prune.losses());
        for (DynamicRecovery.RoundLog r : pre.rounds()) losses.addAll(r.losses());
        Plots.lines(dir.resolve("plot-loss.png"), "LoRA training loss (pruning, then recovery)", "step", "loss",
                Map.of("loss", losses.stream().mapToDouble(Double::doubleValue).toArray()), false);
        d.image("plot-loss.png", "Training loss over pruning-time and recovery steps");
        int recovery = losses.size() - prune.losses().size();
        d.para("LoRA budget of this run: " + prune.losses().size() + " pruning-time and " + recovery + " recovery steps. "
                + "Shear's quality claims are measured at 1100 steps of 16 x 128 tokens (`./shear bench quality`, docs/results.md); "
                + "a run with a smaller budget, such as the demo's, can rank methods differently.");
        Map<String, double[]> decay = new LinkedHashMap<>();
        for (LhspgPruner.PeriodLog p : prune.periods())      // OBS periods remove at once: nothing decays
            if (!p.activeNorm().isEmpty()) decay.put("period " + p.period(), p.activeNorm().stream().mapToDouble(Double::doubleValue).toArray());
        if (!decay.isEmpty()) {
            Plots.lines(dir.resolve("plot-group-norm.png"), "Mean norm of the structures being removed, per period", "step in period", "norm", decay, false);
            d.image("plot-group-norm.png", "LHSPG drives each period's redundant structures to exactly zero");
        }
        List<List<String>> rounds = new ArrayList<>();
        for (DynamicRecovery.RoundLog r : pre.rounds())
            rounds.add(List.of(String.valueOf(r.round()), fmt(r.weights()), fmt(r.pplBefore()), fmt(r.pplAfter())));
        d.heading("Dynamic recovery rounds").table(List.of("round", "sampling weights", "val ppl before", "val ppl after"), rounds);
        d.para("Stop: " + pre.stopReason());
    }

    /** The training loops' events by stage: pruning, each recovery round, the instruction stage. */
    static Map<String, List<TrainingLoop.Event>> events(PruneRun.Result prune, RecoverJob.Report recover) {
        Map<String, List<TrainingLoop.Event>> out = new LinkedHashMap<>();
        out.put("prune", prune.events());
        for (DynamicRecovery.RoundLog r : recover.pretrain().rounds()) out.put("recover round " + r.round(), r.events());
        if (recover.instruction() != null) out.put("instruction", recover.instruction().events());
        return out;
    }

    /** Every skipped non-finite step, rollback and slow step of the training loops, or a line saying there were none. */
    static void numericalSafety(Document d, Map<String, List<TrainingLoop.Event>> byStage) {
        List<List<String>> rows = new ArrayList<>();
        byStage.forEach((stage, events) -> {
            if (events == null) return;                                   // reports written before events were recorded
            for (TrainingLoop.Event e : events)
                if (!"stop".equals(e.kind())) rows.add(List.of(stage, String.valueOf(e.step()), e.kind(), e.detail()));   // early stopping is not a numerical event
        });
        d.heading("Numerical safety");
        if (rows.isEmpty()) {
            d.para("No non-finite loss or gradient, no rollback, and no step slower than " + (int) SlowSteps.FACTOR
                    + "x the median step time in pruning or recovery.");
            return;
        }
        long slow = rows.stream().filter(r -> r.get(2).equals("slow")).count();
        if (slow > 0)
            d.para("Warning: " + slow + " step(s) took more than " + (int) SlowSteps.FACTOR + "x the median step time. On CPU this is "
                    + "the signature of subnormal (denormal) numbers, which make kernels about 180x slower; it can also be another "
                    + "process taking the cores.");
        int shown = Math.min(rows.size(), MAX_EVENT_ROWS);
        d.table(List.of("stage", "step", "event", "detail"), rows.subList(0, shown));
        if (shown < rows.size()) d.para((rows.size() - shown) + " more events in prune-report.json and recover-report.json.");
    }

    private static final int MAX_EVENT_ROWS = 30;

    private static void structure(Document d, PruneRun.Result prune, Path dir) {
        List<LayerWidths> before = prune.widthsBefore(), after = prune.widthsAfter();
        int n = before.size();
        List<String> layers = new ArrayList<>();
        double[] hb = new double[n], ha = new double[n], mb = new double[n], ma = new double[n];
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            LayerWidths b = before.get(i), a = after.get(i);
            layers.add("layer " + i);
            hb[i] = b.numHeads();
            ha[i] = a.numHeads();
            mb[i] = b.intermediateSize();
            ma[i] = a.intermediateSize();
            rows.add(List.of(String.valueOf(i), b.numHeads() + "/" + b.numKvHeads() + " → " + a.numHeads() + "/" + a.numKvHeads(),
                    b.intermediateSize() + " → " + a.intermediateSize()));
        }
        d.heading("What was removed").table(List.of("layer", "query/kv heads", "MLP channels"), rows);
        Plots.bars(dir.resolve("plot-widths-mlp.png"), "MLP channels per layer", "channels", layers, Map.of("before", mb, "after", ma));
        Plots.bars(dir.resolve("plot-widths-heads.png"), "Query heads per layer", "heads", layers, Map.of("before", hb, "after", ha));
        d.image("plot-widths-mlp.png", "MLP width per layer before and after").image("plot-widths-heads.png", "Query heads per layer before and after");
        KnowledgeDistribution.Result kda = prune.kda();
        if (kda == null) return;
        double[] attn = new double[n], mlp = new double[n];
        List<List<String>> krows = new ArrayList<>();
        for (KnowledgeDistribution.Row r : kda.rows()) {
            (r.cluster() == Cluster.ATTENTION ? attn : mlp)[r.layer()] = r.deviation();
            krows.add(List.of(r.id(), String.format("%.3f", r.deviation()), r.unprunable() ? "protected" : ""));
        }
        Plots.bars(dir.resolve("plot-kda.png"), "Knowledge distribution: relative perplexity deviation when pruned alone", "deviation", layers,
                Map.of("attention", attn, "mlp", mlp));
        d.heading("Knowledge distribution analysis").image("plot-kda.png", "Sensitivity per node group; the most sensitive γ_u are protected")
                .table(List.of("node group", "deviation", ""), krows);
    }

    private static String fmt(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() > 0 ? ", " : "").append(k).append(' ').append(String.format("%.3f", v)));
        return sb.toString();
    }

    private static String pct(double v) { return String.format("%.1f%%", 100 * v); }
}
