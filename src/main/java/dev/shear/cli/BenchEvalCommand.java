package dev.shear.cli;

import dev.shear.eval.EvalBench;
import dev.shear.eval.EvalBenchResult;
import dev.shear.eval.EvalTarget;
import dev.shear.eval.Progress;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Zero-shot requests/s batched against one request at a time, and perplexity tokens/s, in one run. */
@Command(name = "eval", description = "Zero-shot requests/s (batched vs single) and perplexity tokens/s.", mixinStandardHelpOptions = true)
final class BenchEvalCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--model", description = "Model (default: stories260K).") Path model;
    @Option(names = "--json") Path json;

    @Override public void run() {
        common.apply();
        try (LoadedLm lm = LoadedLm.open(model, null)) {
            EvalBenchResult r = EvalBench.run(new EvalTarget(lm.model(), lm.tokenizer(), lm.sha256()), EvalBench.Spec.defaults(), Progress.NONE);
            System.out.println(Json.string(r));
            if (json != null) Json.write(json, r);
        }
    }
}
