package dev.shear.cli;

import dev.shear.data.DataPaths;
import dev.shear.distributed.ClusterEval;
import dev.shear.distributed.ModelRef;
import dev.shear.distributed.Shards;
import dev.shear.eval.Datasets;
import dev.shear.eval.EvalTarget;
import dev.shear.eval.Perplexity;
import dev.shear.eval.PerplexityProtocol;
import dev.shear.eval.PerplexityResult;
import dev.shear.eval.PerplexitySpec;
import dev.shear.eval.PplSubset;
import dev.shear.eval.PromptTemplate;
import dev.shear.eval.ZeroShot;
import dev.shear.eval.ZeroShotResult;
import dev.shear.eval.ZeroShotSpec;
import dev.shear.eval.ZeroShotTask;
import dev.shear.eval.ZeroShotTaskResult;
import dev.shear.io.OutputPaths;
import dev.shear.io.ShearJson;
import dev.shear.io.Tokenizer;
import dev.shear.pipeline.LoadedLm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", description = "Evaluate a model: perplexity protocols and lm-eval-style zero-shot tasks.",
        mixinStandardHelpOptions = true, subcommands = {EvalCommand.Ppl.class, EvalCommand.ZeroShotCmd.class})
final class EvalCommand implements Runnable {
    @Override public void run() { new picocli.CommandLine(this).usage(System.out); }

    static EvalTarget target(LoadedLm lm) { return new EvalTarget(lm.model(), lm.tokenizer(), lm.sha256()); }

    @Command(name = "ppl", description = "Perplexity under a named protocol.", mixinStandardHelpOptions = true)
    static final class Ppl implements Runnable {
        @Mixin CommonOptions common;
        @Mixin ModelOptions modelOptions;
        @Option(names = "--model", description = "Model path (default: stories260K).") Path model;
        @Option(names = "--tokenizer") Path tokenizer;
        @Option(names = {"--dataset", "--data"}, defaultValue = "tinystories", description = "wikitext2, ptb, tinystories or a text file.") String dataset;
        @Option(names = "--protocol", defaultValue = "lines", description = "lines, stream, llm-pruner, long or sliding.") String protocol;
        @Option(names = "--window", defaultValue = "0", description = "Window W in tokens (0: the model's context length).") int window;
        @Option(names = "--stride", defaultValue = "0", description = "Stride S for sliding.") int stride;
        @Option(names = "--first", defaultValue = "0", description = "lines: first non-empty line (inclusive).") int first;
        @Option(names = "--last", defaultValue = "-1", description = "lines: last non-empty line (exclusive); -1 for all.") int last;
        @Option(names = "--json", description = "Write the result as JSON.") Path json;
        @Option(names = "--max-tokens", defaultValue = "0", description = "Stream protocols: score only the first N tokens (0: all).") int maxTokens;
        @Mixin ClusterOptions cluster;

        @Override public void run() {
            PerplexityProtocol p = Choices.option("--protocol", protocol, PerplexityProtocol::parse);
            PerplexitySpec spec = new PerplexitySpec(p, window, stride, first, last, PerplexitySpec.DEFAULT_BATCH);
            if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens " + maxTokens + " must be >= 0 (0: all)");
            Path file = Choices.option("--dataset", dataset, Datasets::text).path();     // a known name or a regular file, before any progress
            if (json != null) OutputPaths.check("--json", json, OutputPaths.Kind.REPORT, false, Inputs.of(model, tokenizer, file));
            PerplexityResult r;
            if (cluster.active()) {
                common.applyWithoutDevice();
                r = onCluster(spec);
            } else {
                common.apply();
                try (LoadedLm lm = LoadedLm.open(model, tokenizer, modelOptions.options()); ConsoleProgress bar = ConsoleProgress.bar("ppl " + dataset, 1)) {
                    r = p == PerplexityProtocol.LINES ? Perplexity.evaluate(target(lm), dataset, spec, bar)
                            : PplSubset.evaluate(target(lm), dataset, spec, maxTokens, bar);
                }
            }
            System.out.printf("%s %s (window %d): ppl %.4f, nll %.5f over %d tokens, %.0f tokens/s%n",
                    r.dataset(), r.protocol(), r.window(), r.ppl(), r.nll(), r.tokens(), r.tokensPerSecond());
            if (json != null) ShearJson.write(json, r);
        }

        /** Windows cut here with the model's tokenizer, scored on the executors. */
        private PerplexityResult onCluster(PerplexitySpec spec) {
            ModelRef ref = ModelRef.of(model == null ? DataPaths.stories260K() : model, tokenizer, modelOptions.options().baseDtype());
            try (Tokenizer tok = ref.loadTokenizer(); Shards shards = cluster.open(common.device);
                 ConsoleProgress bar = ConsoleProgress.bar("ppl " + dataset + " on " + shards.describe(), 1)) {
                int context = ref.config().maxSeqLen();
                Perplexity.Rows rows = spec.protocol() == PerplexityProtocol.LINES ? Perplexity.rows(tok, context, Datasets.text(dataset), spec)
                        : PplSubset.rows(tok, context, dataset, spec, maxTokens);
                return ClusterEval.perplexity(shards, ref, rows, bar);
            }
        }
    }

    @Command(name = "zeroshot", description = "The seven zero-shot tasks, scored as lm-evaluation-harness does.", mixinStandardHelpOptions = true)
    static final class ZeroShotCmd implements Runnable {
        @Mixin CommonOptions common;
        @Mixin ModelOptions modelOptions;
        @Option(names = "--model") Path model;
        @Option(names = "--tokenizer") Path tokenizer;
        @Option(names = "--tasks", split = ",", description = "boolq,piqa,hellaswag,winogrande,arc_easy,arc_challenge,openbookqa (default: all).") List<String> tasks;
        @Option(names = "--limit", defaultValue = "0", description = "First N items of each task (0: all).") int limit;
        @Option(names = "--template", defaultValue = "stored", description = "stored or harness.") String template;
        @Option(names = "--json") Path json;
        @Mixin ClusterOptions cluster;

        @Override public void run() {
            ZeroShotSpec spec = ZeroShotSpec.all().withLimit(limit).withTemplate(Choices.parse("--template", PromptTemplate.class, template));
            if (tasks != null) {
                List<ZeroShotTask> t = new ArrayList<>();
                for (String s : tasks) t.add(Choices.option("--tasks", s, ZeroShotTask::parse));
                spec = spec.withTasks(t);
            }
            if (json != null) OutputPaths.check("--json", json, OutputPaths.Kind.REPORT, false, Inputs.of(model, tokenizer));
            ZeroShotResult r;
            if (cluster.active()) {
                common.applyWithoutDevice();
                ModelRef ref = ModelRef.of(model == null ? DataPaths.stories260K() : model, tokenizer, modelOptions.options().baseDtype());
                try (Shards shards = cluster.open(common.device); ConsoleProgress bar = ConsoleProgress.bar("zero-shot on " + shards.describe(), 1)) {
                    r = ClusterEval.zeroShot(shards, ref, spec, bar).result();
                }
            } else {
                common.apply();
                try (LoadedLm lm = LoadedLm.open(model, tokenizer, modelOptions.options()); ConsoleProgress bar = ConsoleProgress.bar("zero-shot", 1)) {
                    r = ZeroShot.evaluate(target(lm), spec, bar);
                }
            }
            System.out.println(table(r));
            if (json != null) ShearJson.write(json, r);
        }
    }

    static String table(ZeroShotResult r) {
        StringBuilder sb = new StringBuilder(String.format("%-14s %6s %8s %8s %10s%n", "task", "n", "acc", "acc_norm", "stderr"));
        for (ZeroShotTaskResult t : r.tasks())
            sb.append(String.format("%-14s %6d %8.4f %8.4f %10.4f%n", t.task(), t.n(), t.acc(), t.accNorm(), t.accStderr()));
        sb.append(String.format("LLM-Pruner mean %.4f (%d requests, %.1f s, %.1f requests/s)", r.llmPrunerMean(), r.requests(), r.seconds(), r.requestsPerSecond()));
        return sb.toString();
    }
}
