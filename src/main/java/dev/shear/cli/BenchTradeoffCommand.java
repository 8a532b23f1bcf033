package dev.shear.cli;

import dev.shear.io.GgufExport;
import dev.shear.pipeline.TradeoffBench;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The size-quality-speed trade-off of pruned and quantized GGUF files in llama.cpp
 * ({@link TradeoffBench}): prints each step, then the report's table and Pareto front.
 */
@Command(name = "tradeoff", description = "File size, llama.cpp perplexity and speed of pruned and quantized GGUF exports; Pareto front and plot.",
        mixinStandardHelpOptions = true)
final class BenchTradeoffCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;
    @Option(names = "--model", description = "The dense model (default: stories260K).") Path model;
    @Option(names = "--pruned", description = "An already pruned (and recovered) model folder; repeat it.") List<Path> pruned;
    @Option(names = "--ratios", split = ",", defaultValue = "0,0.2,0.5",
            description = "0 = the dense model; others are pruned and recovered here with the defaults of shear prune and shear recover (default: ${DEFAULT-VALUE}).")
    List<Double> ratios;
    @Option(names = "--dtypes", split = ",", defaultValue = "f16,q8_0,q4_k",
            description = "GGUF storage types: f32, f16, q8_0, q4_0, q4_k, q4_k_m (default: ${DEFAULT-VALUE}).") List<String> dtypes;
    @Option(names = "--align", defaultValue = "1", description = "Pad MLP widths to a multiple of this with zero channels before quantizing (1: keep the widths; rows that are not whole blocks fall back to a higher precision).")
    int align;
    @Option(names = "--first-line", defaultValue = "3000", description = "First held-out TinyStories line (non-empty lines; default: ${DEFAULT-VALUE}, see docs/results.md).")
    int firstLine;
    @Option(names = "--max-lines", defaultValue = "0", description = "Score at most this many held-out lines (0: all).") int maxLines;
    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved speed rounds over all files (median reported).") int rounds;
    @Option(names = "--decode-tokens", defaultValue = "64", description = "Generated tokens per decode measurement.") int decodeTokens;
    @Option(names = "--prefill-tokens", defaultValue = "128", description = "Prompt tokens per prefill measurement.") int prefillTokens;
    @Option(names = "--llamacpp-threads", defaultValue = "1", description = "llama.cpp threads.") int llamaThreads;
    @Option(names = "--llamacpp", defaultValue = "bench/llamacpp", description = "Folder with llamacpp-run.mjs and node-llama-cpp (bench/llamacpp/run-check.sh installs it).")
    Path llamacppDir;
    @Option(names = "--out", required = true, description = "Output folder.") Path out;

    @Override public void run() {
        common.apply();
        List<GgufExport.Dtype> types = dtypes.stream().map(GgufExport.Dtype::parse).toList();
        TradeoffBench.Settings s = new TradeoffBench.Settings(model, pruned == null ? List.of() : pruned, ratios, types, align, firstLine, maxLines, rounds, decodeTokens,
                prefillTokens, llamaThreads, llamacppDir, out, common.seed);
        TradeoffBench.Result r = TradeoffBench.run(s, "./shear bench tradeoff " + String.join(" ", ownArgs()), System.out::println, ConsoleProgress.root());
        System.out.print(r.markdown());
        System.out.println("wrote " + out.resolve("tradeoff.md") + ", tradeoff.png and tradeoff.json");
    }

    /** The arguments after "tradeoff" as the user gave them. */
    private List<String> ownArgs() {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        return all.subList(all.indexOf("tradeoff") + 1, all.size());
    }
}
