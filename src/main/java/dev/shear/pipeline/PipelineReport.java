package dev.shear.pipeline;

import dev.shear.data.DataPaths;
import dev.shear.engine.Engine;
import dev.shear.io.AtomicFiles;
import dev.shear.report.Document;
import dev.shear.report.Plots;
import dev.shear.train.SlowSteps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** report.md, report.html and the plots, from the stage reports in the run folder. */
public final class PipelineReport {
    private PipelineReport() {}

    @SuppressWarnings("unchecked")
    public static void write(Path dir, PipelineConfig cfg, Path model, Map<String, Double> seconds) {
        Map<String, Object> prune = read(dir.resolve("pruned/prune-report.json"));
        Map<String, Object> recover = read(dir.resolve("recovered/recover-report.json"));
        Map<String, Object> eval = read(dir.resolve("eval-report.json"));
        Document d = new Document("Shear run: " + prune.get("method") + " at " + pct((Double) prune.get("targetRatio")) + " of parameters");
        d.heading("Summary").table(List.of("", "value"), List.of(
                List.of("model", model.toString()),
                List.of("method", String.valueOf(prune.get("method"))),
                List.of("allocation", prune.get("allocation") + ("kda".equals(prune.get("allocation")) ? " (per-layer counts from the KDA curves)" : " (one ratio per cluster)")),
                List.of("parameters", prune.get("paramsBefore") + " → " + prune.get("paramsAfter")),
                List.of("removed (target)", pct((Double) prune.get("achievedRatio")) + " (" + pct((Double) prune.get("targetRatio")) + ")"),
                List.of("LoRA steps while pruning", String.valueOf(prune.get("trainSteps"))),
                List.of("seed", String.valueOf(cfg.seed())),
                List.of("engine", Engine.version() + ", " + Engine.threads() + " threads, Java " + System.getProperty("java.version")),
                List.of("model sha256", DataPaths.sha256(model))));
        d.heading("Wall time per stage").table(List.of("stage", "seconds"), seconds.entrySet().stream()
                .map(e -> List.of(e.getKey(), String.format("%.1f", e.getValue()))).toList());
        quality(d, eval, dir);
        training(d, prune, recover, dir);
        numericalSafety(d, prune, recover);
        structure(d, prune, dir);
        d.para("Files: config.resolved.yaml, graph.json, pruned/ (compact model, prune-report.json), recovered/ (model, "
                + "recover-report.json), eval-report.json, shear.log. Perplexity: TinyStories lines " + DefaultData.VALIDATION_END
                + "+ (held out from all training), protocol lines; WikiText-2 and PTB, protocol llm-pruner (128-token windows), first "
                + cfg.evaluation().pplTokens() + " tokens.");
        AtomicFiles.writeString(dir.resolve("report.md"), d.markdown());
        AtomicFiles.writeString(dir.resolve("report.html"), d.html());
    }

    @SuppressWarnings("unchecked")
    private static void quality(Document d, Map<String, Object> eval, Path dir) {
        List<String> models = new ArrayList<>(eval.keySet());
        List<List<String>> rows = new ArrayList<>();
        Map<String, double[]> pplSeries = new LinkedHashMap<>();
        List<String> datasets = new ArrayList<>(((Map<String, Object>) ((Map<String, Object>) eval.get(models.get(0))).get("perplexity")).keySet());
        for (String m : models) {
            Map<String, Object> e = (Map<String, Object>) eval.get(m);
            Map<String, Object> ppl = (Map<String, Object>) e.get("perplexity");
            List<String> row = new ArrayList<>(List.of(m, String.valueOf(e.get("params"))));
            double[] v = new double[datasets.size()];
            for (int i = 0; i < datasets.size(); i++) {
                v[i] = ((Number) ((Map<String, Object>) ppl.get(datasets.get(i))).get("ppl")).doubleValue();
                row.add(String.format("%.3f", v[i]));
            }
            pplSeries.put(m, v);
            Map<String, Object> z = (Map<String, Object>) e.get("zeroshot");
            row.add(z == null ? "-" : String.format("%.4f", ((Number) z.get("llmPrunerMean")).doubleValue()));
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

    @SuppressWarnings("unchecked")
    private static void zeroShot(Document d, Map<String, Object> eval, List<String> models, Path dir) {
        Map<String, Object> first = (Map<String, Object>) ((Map<String, Object>) eval.get(models.get(0))).get("zeroshot");
        if (first == null) return;
        List<String> tasks = new ArrayList<>();
        for (Object t : (List<Object>) first.get("tasks")) tasks.add((String) ((Map<String, Object>) t).get("task"));
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String m : models) {
            List<Object> ts = (List<Object>) ((Map<String, Object>) ((Map<String, Object>) eval.get(m)).get("zeroshot")).get("tasks");
            double[] v = new double[ts.size()];
            for (int i = 0; i < v.length; i++) v[i] = ((Number) ((Map<String, Object>) ts.get(i)).get("llmPrunerScore")).doubleValue();
            series.put(m, v);
        }
        Plots.bars(dir.resolve("plot-zeroshot.png"), "Zero-shot accuracy (LLM-Pruner metric per task)", "accuracy", tasks, series);
        d.image("plot-zeroshot.png", "Zero-shot accuracy per task (acc for BoolQ and WinoGrande, acc_norm otherwise)");
    }

    @SuppressWarnings("unchecked")
    private static void training(Document d, Map<String, Object> prune, Map<String, Object> recover, Path dir) {
        d.heading("Training");
        List<Double> losses = new ArrayList<>();
        for (Object o : (List<Object>) prune.get("losses")) losses.add(((Number) o).doubleValue());
        Map<String, Object> pre = (Map<String, Object>) recover.get("pretrain");
        for (Object r : (List<Object>) pre.get("rounds"))
            for (Object o : (List<Object>) ((Map<String, Object>) r).get("losses")) losses.add(((Number) o).doubleValue());
        Plots.lines(dir.resolve("plot-loss.png"), "LoRA training loss (pruning, then recovery)", "step", "loss",
                Map.of("loss", losses.stream().mapToDouble(Double::doubleValue).toArray()), false);
        d.image("plot-loss.png", "Training loss over pruning-time and recovery steps");
        Map<String, double[]> decay = new LinkedHashMap<>();
        for (Object p : (List<Object>) prune.get("periods")) {
            Map<String, Object> pm = (Map<String, Object>) p;
            List<Object> norms = (List<Object>) pm.get("activeNorm");
            decay.put("period " + pm.get("period"), norms.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray());
        }
        if (!decay.isEmpty()) {
            Plots.lines(dir.resolve("plot-group-norm.png"), "Mean norm of the structures being removed, per period", "step in period", "norm", decay, false);
            d.image("plot-group-norm.png", "LHSPG drives each period's redundant structures to exactly zero");
        }
        List<List<String>> rounds = new ArrayList<>();
        for (Object r : (List<Object>) pre.get("rounds")) {
            Map<String, Object> rm = (Map<String, Object>) r;
            rounds.add(List.of(String.valueOf(rm.get("round")), fmt((Map<String, Object>) rm.get("weights")),
                    fmt((Map<String, Object>) rm.get("pplBefore")), fmt((Map<String, Object>) rm.get("pplAfter"))));
        }
        d.heading("Dynamic recovery rounds").table(List.of("round", "sampling weights", "val ppl before", "val ppl after"), rounds);
        d.para("Stop: " + pre.get("stopReason"));
    }

    /** Every skipped non-finite step, rollback and slow step of the training loops, or a line saying there were none. */
    @SuppressWarnings("unchecked")
    public static void numericalSafety(Document d, Map<String, Object> prune, Map<String, Object> recover) {
        List<List<String>> rows = new ArrayList<>();
        addEvents(rows, "prune", prune.get("events"));
        for (Object r : (List<Object>) ((Map<String, Object>) recover.get("pretrain")).get("rounds")) {
            Map<String, Object> rm = (Map<String, Object>) r;
            addEvents(rows, "recover round " + rm.get("round"), rm.get("events"));
        }
        Map<String, Object> inst = (Map<String, Object>) recover.get("instruction");
        if (inst != null) addEvents(rows, "instruction", inst.get("events"));
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

    @SuppressWarnings("unchecked")
    private static void addEvents(List<List<String>> rows, String stage, Object events) {
        if (events == null) return;                                       // reports written before events were recorded
        for (Object o : (List<Object>) events) {
            Map<String, Object> e = (Map<String, Object>) o;
            if ("stop".equals(e.get("kind"))) continue;                   // early stopping is not a numerical event
            rows.add(List.of(stage, String.valueOf(e.get("step")), String.valueOf(e.get("kind")), String.valueOf(e.get("detail"))));
        }
    }

    @SuppressWarnings("unchecked")
    private static void structure(Document d, Map<String, Object> prune, Path dir) {
        List<Object> before = (List<Object>) prune.get("widthsBefore"), after = (List<Object>) prune.get("widthsAfter");
        List<String> layers = new ArrayList<>();
        double[] hb = new double[before.size()], ha = new double[before.size()], mb = new double[before.size()], ma = new double[before.size()];
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < before.size(); i++) {
            Map<String, Object> b = (Map<String, Object>) before.get(i), a = (Map<String, Object>) after.get(i);
            layers.add("layer " + i);
            hb[i] = ((Number) b.get("numHeads")).doubleValue();
            ha[i] = ((Number) a.get("numHeads")).doubleValue();
            mb[i] = ((Number) b.get("intermediateSize")).doubleValue();
            ma[i] = ((Number) a.get("intermediateSize")).doubleValue();
            rows.add(List.of(String.valueOf(i), b.get("numHeads") + "/" + b.get("numKvHeads") + " → " + a.get("numHeads") + "/" + a.get("numKvHeads"),
                    b.get("intermediateSize") + " → " + a.get("intermediateSize")));
        }
        d.heading("What was removed").table(List.of("layer", "query/kv heads", "MLP channels"), rows);
        Plots.bars(dir.resolve("plot-widths-mlp.png"), "MLP channels per layer", "channels", layers, Map.of("before", mb, "after", ma));
        Plots.bars(dir.resolve("plot-widths-heads.png"), "Query heads per layer", "heads", layers, Map.of("before", hb, "after", ha));
        d.image("plot-widths-mlp.png", "MLP width per layer before and after").image("plot-widths-heads.png", "Query heads per layer before and after");
        Map<String, Object> kda = (Map<String, Object>) prune.get("kda");
        if (kda == null) return;
        double[] attn = new double[before.size()], mlp = new double[before.size()];
        List<List<String>> krows = new ArrayList<>();
        for (Object r : (List<Object>) kda.get("rows")) {
            Map<String, Object> rm = (Map<String, Object>) r;
            int layer = ((Number) rm.get("layer")).intValue();
            double dev = ((Number) rm.get("deviation")).doubleValue();
            if ("ATTENTION".equals(rm.get("cluster"))) attn[layer] = dev; else mlp[layer] = dev;
            krows.add(List.of(String.valueOf(rm.get("id")), String.format("%.3f", dev), Boolean.TRUE.equals(rm.get("unprunable")) ? "protected" : ""));
        }
        Plots.bars(dir.resolve("plot-kda.png"), "Knowledge distribution: relative perplexity deviation when pruned alone", "deviation", layers,
                Map.of("attention", attn, "mlp", mlp));
        d.heading("Knowledge distribution analysis").image("plot-kda.png", "Sensitivity per node group; the most sensitive γ_u are protected")
                .table(List.of("node group", "deviation", ""), krows);
    }

    private static String fmt(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> sb.append(sb.length() > 0 ? ", " : "").append(k).append(' ').append(String.format("%.3f", ((Number) v).doubleValue())));
        return sb.toString();
    }

    private static String pct(Double v) { return v == null ? "-" : String.format("%.1f%%", 100 * v); }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> read(Path p) {
        try {
            return Json.MAPPER.readValue(Files.readString(p), Map.class);
        } catch (IOException e) {
            throw new IllegalStateException(p + ": cannot read stage report (" + e.getMessage() + ")");
        }
    }
}
