package dev.shear.cli;

import dev.shear.io.ShearJson;
import dev.shear.pipeline.SpeedBench;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The speed benchmark ({@link SpeedBench}): prefill and decode tokens/s of several models, one row per
 * workload, with ratios against the first model.
 */
@Command(name = "speed", description = "Prefill and KV-cache decode tokens/s of models side by side, with ratios to the first.",
        mixinStandardHelpOptions = true)
final class BenchSpeedCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--model", required = true, description = "A model to measure; repeat it. The first is the baseline of the ratios.")
    List<Path> models;
    @Option(names = "--batches", split = ",", defaultValue = "1,8", description = "Batch sizes (default: ${DEFAULT-VALUE}).") List<Integer> batches;
    @Option(names = "--prefill-tokens", defaultValue = "512", description = "Prompt length of the prefill measurement.") int prefillTokens;
    @Option(names = "--decode-prompt", defaultValue = "64", description = "Cached prompt before the timed decode steps.") int decodePrompt;
    @Option(names = "--decode-tokens", defaultValue = "64", description = "Timed decode steps, one token per sequence each.") int decodeTokens;
    @Option(names = "--reps", defaultValue = "5", description = "Interleaved repetitions per measurement (median reported).") int reps;
    @Option(names = "--json", description = "Also write the medians here.") Path json;

    @Override public void run() {
        common.apply();
        SpeedBench.Settings s = new SpeedBench.Settings(batches, prefillTokens, decodePrompt, decodeTokens, reps, common.seed);
        SpeedBench.Result r = SpeedBench.run(models, s, new SpeedBench.Listener() {
            @Override public void loaded(List<SpeedBench.Model> ms, int threads) {
                System.out.printf("bench speed: %d models, %d interleaved reps, medians; %d libtorch threads%n", ms.size(), reps, threads);
                for (int i = 0; i < ms.size(); i++)
                    System.out.printf("  [%d] %s: %,d parameters, %,d MACs/token at context %d%n", i, ms.get(i).path(), ms.get(i).params(),
                            ms.get(i).macsPerToken(), prefillTokens);
                printHeader(ms.size());
            }

            @Override public void row(SpeedBench.Row row) {
                List<Double> rates = row.tokensPerSecond();
                StringBuilder line = new StringBuilder(String.format("%-30s", row.workload()));
                for (double rate : rates) line.append(String.format(" %12.1f", rate));
                for (int i = 1; i < rates.size(); i++) line.append(String.format(" %8.2fx", rates.get(i) / rates.get(0)));
                System.out.println(line);
            }
        });
        if (json != null) ShearJson.write(json, r.rows());
    }

    private static void printHeader(int n) {
        StringBuilder h = new StringBuilder(String.format("%-30s", "tokens/s"));
        for (int i = 0; i < n; i++) h.append(String.format(" %12s", "[" + i + "]"));
        for (int i = 1; i < n; i++) h.append(String.format(" %9s", "[" + i + "]/[0]"));
        System.out.println(h);
    }
}
