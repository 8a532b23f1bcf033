package dev.shear.cli;

import dev.shear.engine.DType;
import dev.shear.engine.Progress;
import dev.shear.eval.EvalBench;
import dev.shear.eval.EvalBenchResult;
import dev.shear.eval.EvalTarget;
import dev.shear.eval.ZeroShotTask;
import dev.shear.io.ShearJson;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.pipeline.LoadedLm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Zero-shot requests/s batched against one request at a time, and perplexity tokens/s, in one run:
 * on the model, then on a random LLaMA-shaped model that reads the same tokenizer.
 */
@Command(name = "eval", description = "Zero-shot requests/s (batched vs single) and perplexity tokens/s, on a model and a random config.",
        mixinStandardHelpOptions = true)
final class BenchEvalCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--model", description = "Model (default: stories260K); its tokenizer also feeds the random model.") Path model;
    @Option(names = "--tasks", split = ",", description = "Zero-shot tasks (default: all seven).") List<String> tasks;
    @Option(names = "--items", defaultValue = "5", description = "First items of each task.") int items;
    @Option(names = "--reps", defaultValue = "3", description = "Alternating timed repetitions of each mode (the fastest counts).") int reps;
    @Option(names = "--ppl-tokens", defaultValue = "8192", description = "Perplexity: first tokens of the WikiText-2 stream, in windows of 128.")
    int pplTokens;
    @Option(names = "--random-layers", defaultValue = "4", description = "Random model: layers (0 skips it).") int layers;
    @Option(names = "--random-hidden", defaultValue = "512") int hidden;
    @Option(names = "--random-heads", defaultValue = "8") int heads;
    @Option(names = "--random-kv-heads", defaultValue = "4") int kvHeads;
    @Option(names = "--random-mlp", defaultValue = "1376") int mlp;
    @Option(names = "--random-vocab", defaultValue = "32000", description = "Random model vocabulary (LLaMA's; the tokenizer uses its first ids).")
    int vocab;
    @Option(names = "--random-context", defaultValue = "512") int context;
    @Option(names = "--json") Path json;

    @Override public void run() {
        common.apply();
        EvalBench.Spec spec = EvalBench.Spec.defaults().withItemsPerTask(items).withReps(reps).withPplMaxTokens(pplTokens);
        if (tasks != null) spec = spec.withTasks(tasks.stream().map(ZeroShotTask::parse).toList());
        List<EvalBenchResult> results = new ArrayList<>();
        try (LoadedLm lm = LoadedLm.open(model, null)) {
            results.add(report(EvalBench.run(lm.path().toString(), new EvalTarget(lm.model(), lm.tokenizer(), lm.sha256()), spec, Progress.NONE)));
            if (layers > 0) {
                ModelConfig cfg = ModelConfig.llama(hidden, mlp, layers, heads, kvHeads, vocab, context, false);
                String label = String.format("random llama %d layers, hidden %d, heads %d/%d, mlp %d, vocab %d, context %d",
                        layers, hidden, heads, kvHeads, mlp, vocab, context);
                try (CausalLm random = CausalLm.random(cfg, common.seed, DType.F32)) {
                    results.add(report(EvalBench.run(label, new EvalTarget(random, lm.tokenizer(), ""), spec, Progress.NONE)));
                }
            }
        }
        System.out.println(ShearJson.string(results));
        if (json != null) ShearJson.write(json, results);
    }

    private static EvalBenchResult report(EvalBenchResult r) {
        System.err.printf("%s: %d requests; batched %.1f req/s, single %.1f req/s: %.2fx wall, %.2fx CPU; ppl %.0f tokens/s%n",
                r.model(), r.requests(), r.batchedRequestsPerSecond(), r.singleRequestsPerSecond(), r.speedup(), r.cpuSpeedup(),
                r.pplTokensPerSecond());
        return r;
    }
}
