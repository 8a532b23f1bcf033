package dev.shear.cli;

import dev.shear.engine.DType;
import dev.shear.eval.EvalTarget;
import dev.shear.eval.Perplexity;
import dev.shear.eval.PerplexitySpec;
import dev.shear.io.Corpus;
import dev.shear.io.DataPaths;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.SourceSpec;
import dev.shear.io.Tokenizer;
import dev.shear.lora.Checkpointer;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.prune.LhspgSettings;
import dev.shear.prune.Method;
import dev.shear.prune.PruneRun;
import dev.shear.prune.PruneSettings;
import dev.shear.prune.StructureSet;
import dev.shear.recover.DynamicRecovery;
import dev.shear.recover.RecoverySettings;
import dev.shear.recover.Validation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The quality table: every method at each ratio and seed, without recovery, with recovery at equal
 * total LoRA steps (a) and at equal post-pruning recovery (b). One JSON line per row, appended as it
 * finishes; rows already in the file are skipped, so the run resumes.
 */
@Command(name = "quality", description = "Prune with every method, recover, evaluate; append rows to a JSONL file.", mixinStandardHelpOptions = true)
final class BenchQualityCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--methods", split = ",", defaultValue = "lorashear-activation,lorashear-accumulated,lorashear-paper,reference,lorashear-oneshot,llm-pruner,wanda-sp,flap,magnitude,random") List<String> methods;
    @Option(names = "--ratios", split = ",", defaultValue = "0.2,0.5") List<Double> ratios;
    @Option(names = "--seeds", split = ",", defaultValue = "0") List<Long> seeds;
    @Option(names = "--warmup", defaultValue = "10") int warmup;
    @Option(names = "--periods", defaultValue = "4") int periods;
    @Option(names = "--period-length", defaultValue = "20") int periodLength;
    @Option(names = "--recovery-steps", defaultValue = "150", description = "Post-pruning recovery steps R.") int recoverySteps;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--seq", defaultValue = "128") int seq;
    @Option(names = "--lr", defaultValue = "1e-3") double lr;
    @Option(names = "--ppl-tokens", defaultValue = "32768", description = "Tokens of WikiText-2 and PTB scored (llm-pruner windows).") int pplTokens;
    @Option(names = "--out", defaultValue = "docs/results/quality.jsonl") Path out;

    private final Map<Long, java.util.Set<Integer>> kdaCache = new java.util.HashMap<>();
    private Tokenizer tok;
    private LoadedModel original;
    private List<Corpus> recoverySources;
    private Map<String, Double> referencePpl;

    @Override public void run() {
        common.apply();
        Path model = DataPaths.stories260K();
        original = ModelFolder.load(model);
        tok = ModelFolder.loadTokenizer(model, null);
        RecoverySpec spec = RecoverySpec.load(null);
        recoverySources = new ArrayList<>();
        for (SourceSpec s : spec.sources(null)) recoverySources.add(Corpus.load(s, tok, 64));
        try (CausalLm dense = fresh()) {
            referencePpl = DynamicRecovery.measure(dense, recoverySources, recovery(0, 1));
            row("dense", 0, 0, "none", 0, dense);
        }
        int pruneSteps = warmup + periods * periodLength;
        for (long seed : seeds) {
            try (CausalLm dense = fresh()) {
                recover(dense, seed, recoverySteps + pruneSteps);
                row("dense+recovery", 0, seed, "a", recoverySteps + pruneSteps, dense);
            }
            for (double ratio : ratios)
                for (String m : methods) runMethod(Method.parse(m), ratio, seed, pruneSteps);
        }
    }

    private void runMethod(Method m, double ratio, long seed, int pruneSteps) {
        if (done(m.cliName(), ratio, seed, "b")) return;
        LhspgSettings l = new LhspgSettings(warmup, periods, periodLength, 0.0, m == Method.REFERENCE ? LhspgSettings.Mode.REFERENCE : LhspgSettings.Mode.PAPER);
        PruneSettings s = new PruneSettings(m, ratio, l, l.totalSteps(), LoraConfig.paperDefaults(seed), lr, batch, seq,
                List.of(), 0.15, 4, 0, seed);
        List<Corpus> train = List.of(Corpus.load(DefaultData.tinyTrain(), tok, 0));
        List<int[]> val = Corpus.load(DefaultData.tinyValidation(), tok, 0).train();
        HostWeights compact;
        PruneRun.Result pr;
        try (CausalLm model = fresh()) {
            StructureSet traced = PruneJob.structures(model, s);
            // KDA uses the magnitude proxy and no randomness: the same protected groups for every method
            java.util.Set<Integer> keep = kdaCache.computeIfAbsent(0L, k -> dev.shear.prune.KnowledgeDistribution.analyse(model, traced,
                    List.of(0.2, 0.5), 0.15, x -> Validation.ppl(x, val, 512, 16), null).unprunableGroups());
            StructureSet set = traced.withUnprunable(keep);
            PruneRun.Outcome o = PruneRun.run(model, set, s, Batches.uniform(train, batch, seq, seed), x -> Validation.ppl(x, val, 512, 16),
                    Checkpointer.NONE, null);
            pr = o.result();
            compact = new HostWeights(o.compact().config(), o.compact().toHost());
            o.compact().close();
        }
        int trained = pr.trainSteps();
        try (CausalLm c = compact.model()) { row(m.cliName(), ratio, seed, "none", trained, c, pr); }
        try (CausalLm c = compact.model()) {                       // (a): pruning-time + recovery steps equal for all
            recover(c, seed, recoverySteps + pruneSteps - trained);
            row(m.cliName(), ratio, seed, "a", pruneSteps + recoverySteps, c, pr);
        }
        try (CausalLm c = compact.model()) {                       // (b): the same post-pruning recovery
            recover(c, seed, recoverySteps);
            row(m.cliName(), ratio, seed, "b", trained + recoverySteps, c, pr);
        }
    }

    private record HostWeights(dev.shear.model.ModelConfig config, Map<String, dev.shear.engine.HostTensor> weights) {
        CausalLm model() { return CausalLm.fromWeights(config, weights, DType.F32); }
    }

    private CausalLm fresh() { return CausalLm.fromWeights(original.config(), original.weights(), DType.F32); }

    private RecoverySettings recovery(long seed, int steps) {
        return new RecoverySettings(2, Math.max(0, steps / 2), batch, seq, lr, 5, 0.05, 0.1, -1.0, 64,
                new LoraConfig(LoraConfig.ALL_TARGETS, 8, 16, 0.05, seed), 0, seed, true);
    }

    private void recover(CausalLm model, long seed, int steps) {
        if (steps <= 0) return;
        DynamicRecovery.RoundStore none = new DynamicRecovery.RoundStore() {
            @Override public Checkpointer loop(int round) { return Checkpointer.NONE; }
            @Override public Checkpointer rounds() { return Checkpointer.NONE; }
        };
        DynamicRecovery.run(model, recoverySources, referencePpl, recovery(seed, steps), none, null);
    }

    private void row(String method, double ratio, long seed, String budget, int steps, CausalLm m) { row(method, ratio, seed, budget, steps, m, null); }

    private void row(String method, double ratio, long seed, String budget, int steps, CausalLm m, PruneRun.Result pr) {
        if (done(method, ratio, seed, budget)) return;
        EvalTarget t = new EvalTarget(m, tok, "");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("method", method);
        r.put("ratio", ratio);
        r.put("seed", seed);
        r.put("budget", budget);
        r.put("lora_steps", steps);
        r.put("params", m.numParams());
        r.put("achieved_ratio", 1.0 - (double) m.numParams() / original.weights().values().stream().mapToLong(w -> w.numel()).sum());
        r.put("tinystories_val", Perplexity.evaluate(t, "tinystories", PerplexitySpec.lines(DefaultData.TRAIN_END, DefaultData.VALIDATION_END), dev.shear.eval.Progress.NONE).ppl());
        r.put("tinystories_heldout", Perplexity.evaluate(t, "tinystories", PerplexitySpec.lines(DefaultData.VALIDATION_END, -1), dev.shear.eval.Progress.NONE).ppl());
        for (String ds : List.of("wikitext2", "ptb")) r.put(ds, PplSubset.evaluate(t, ds, PerplexitySpec.llmPruner(), pplTokens, dev.shear.eval.Progress.NONE).ppl());
        if (pr != null) r.put("prune_seconds", pr.seconds());
        append(r);
        System.out.println(Json.string(r).replace("\n", " "));
    }

    private boolean done(String method, double ratio, long seed, String budget) {
        if (!Files.exists(out)) return false;
        try {
            for (String line : Files.readAllLines(out)) {
                if (line.isBlank()) continue;
                Map<?, ?> m = Json.MAPPER.readValue(line, Map.class);
                if (method.equals(m.get("method")) && ((Number) m.get("ratio")).doubleValue() == ratio
                        && ((Number) m.get("seed")).longValue() == seed && budget.equals(m.get("budget"))) return true;
            }
        } catch (IOException e) {
            throw new IllegalStateException(out + ": " + e.getMessage());
        }
        return false;
    }

    private void append(Map<String, Object> row) {
        try {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, Json.MAPPER.writeValueAsString(row).replace("\n", "").replaceAll("\\s+", " ") + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(out + ": " + e.getMessage());
        }
    }
}
