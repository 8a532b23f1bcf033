package dev.shear.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.shear.eval.Datasets;
import dev.shear.eval.EvalTarget;
import dev.shear.eval.LlamaCppRunner;
import dev.shear.eval.Perplexity;
import dev.shear.eval.PerplexitySpec;
import dev.shear.io.AtomicFiles;
import dev.shear.io.DataPaths;
import dev.shear.io.GgufExport;
import dev.shear.io.GgufQuantMix;
import dev.shear.io.LlamaCppPlan;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.model.ModelCost;
import dev.shear.report.TradeoffReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The size-quality-speed trade-off of pruning and quantization in llama.cpp: every model (the dense
 * one, pruned folders given, and models this command prunes and recovers with the defaults of
 * {@code shear prune} and {@code shear recover}) is exported in every storage type, then llama.cpp
 * scores held-out TinyStories on each file and measures decode and prefill speed, interleaved.
 * Writes the GGUF files, tradeoff.json, tradeoff.md (table and Pareto front) and tradeoff.png.
 * Perplexities are kept in OUT/perplexity.json, so a rerun measures only what is missing.
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

    /** One model to export: where it is and how much of the dense model it removed. */
    private record Source(String label, Path path) {}

    /** One exported file. */
    private record Exported(Source source, GgufExport.Dtype dtype, Path gguf, long params, double bitsPerValue) {}

    @Override public void run() {
        common.apply();
        List<GgufExport.Dtype> types = dtypes.stream().map(GgufExport.Dtype::parse).toList();
        validate();
        LlamaCppRunner llama = new LlamaCppRunner(llamacppDir);
        Path dense = model != null ? model : DataPaths.stories260K();
        List<Source> sources = sources(dense);
        List<String> lines = Datasets.text("tinystories").nonEmptyLines();
        if (firstLine >= lines.size()) throw new IllegalArgumentException("--first-line " + firstLine + ": TinyStories has " + lines.size() + " non-empty lines");
        int last = maxLines > 0 ? Math.min(lines.size(), firstLine + maxLines) : lines.size();
        long denseParams = ModelCost.of(ModelFolder.loadConfig(dense), 1, 4).params();
        List<Exported> files = new ArrayList<>();
        for (Source s : sources) for (GgufExport.Dtype t : types) files.add(export(s, t));
        Map<String, Map<String, Double>> ppl = perplexities(llama, files, lines, last);
        Map<Path, List<LlamaCppRunner.Speed>> speeds = speeds(llama, files, lines);
        List<TradeoffReport.Row> rows = new ArrayList<>();
        for (Exported f : files) {
            Map<String, Double> p = ppl.get(key(f));
            List<LlamaCppRunner.Speed> sp = speeds.get(f.gguf());
            rows.add(new TradeoffReport.Row(f.source().label(), 1.0 - (double) f.params() / denseParams, f.params(), f.dtype().name().toLowerCase(),
                    size(f.gguf()), f.bitsPerValue(), p.get("llamacpp"), p.get("shear"), p.get("tokens").longValue(),
                    median(sp.stream().mapToDouble(LlamaCppRunner.Speed::decode).toArray()), median(sp.stream().mapToDouble(LlamaCppRunner.Speed::prefill).toArray())));
        }
        report(rows, lines.size(), last);
    }

    private void validate() {
        if (rounds < 1 || decodeTokens < 2 || prefillTokens < 1 || llamaThreads < 1 || maxLines < 0 || firstLine < 0 || align < 1)
            throw new IllegalArgumentException("--rounds, --decode-tokens (>= 2), --prefill-tokens, --llamacpp-threads and --align must be positive");
        for (double r : ratios) if (r < 0 || r >= 0.95) throw new IllegalArgumentException("--ratios: " + r + " is outside [0, 0.95)");
        if (model != null && !Files.exists(model)) throw new IllegalArgumentException("--model " + model + ": not found");
        if (pruned != null) for (Path p : pruned) if (!Files.exists(p)) throw new IllegalArgumentException("--pruned " + p + ": not found");
        if (ratios.isEmpty() && (pruned == null || pruned.isEmpty())) throw new IllegalArgumentException("nothing to measure: give --ratios or --pruned");
    }

    /** The dense model (ratio 0), the given pruned folders, then models pruned and recovered here (reused when already there). */
    private List<Source> sources(Path dense) {
        List<Source> s = new ArrayList<>();
        if (ratios.contains(0.0)) s.add(new Source("dense", dense));
        if (pruned != null) for (Path p : pruned) s.add(new Source(p.getFileName().toString(), p));
        for (double r : ratios) {
            if (r == 0) continue;
            String tag = String.format("%.0f%%", 100 * r);
            Path pruneDir = out.resolve("models").resolve("pruned-" + r), recovered = out.resolve("models").resolve("recovered-" + r);
            if (!Files.exists(recovered.resolve("config.json"))) {
                System.out.println("pruning " + tag + " with the defaults of shear prune, then shear recover, into " + recovered);
                if (!Files.exists(pruneDir.resolve("config.json")))
                    runCommand(new PruneCommand(), "--model", dense.toString(), "--ratio", Double.toString(r), "--seed", Long.toString(common.seed),
                            "--out", pruneDir.toString());
                runCommand(new RecoverCommand(), "--model", pruneDir.toString(), "--reference", dense.toString(), "--seed", Long.toString(common.seed),
                        "--out", recovered.toString());
            }
            s.add(new Source("pruned " + tag + " + recovered", recovered));
        }
        return s;
    }

    /** Runs another command with its own defaults, in this process (its errors propagate). */
    private static void runCommand(Runnable command, String... args) {
        new CommandLine(command).parseArgs(args);
        command.run();
    }

    private Exported export(Source s, GgufExport.Dtype t) {
        Path gguf = out.resolve("gguf").resolve(s.label().replaceAll("[^A-Za-z0-9]+", "-") + "." + t.name().toLowerCase() + ".gguf");
        LoadedModel m = ModelFolder.load(s.path());
        LlamaCppPlan plan = LlamaCppPlan.of(m.config(), new LlamaCppPlan.Options(null, align));
        List<GgufQuantMix.Choice> choices;
        try (Tokenizer tok = ModelFolder.loadTokenizer(s.path(), null)) {
            choices = GgufExport.write(plan.apply(m), tok, plan.arch(), t, gguf);
        }
        GgufQuantMix.Summary sum = GgufQuantMix.Summary.of(choices);
        System.out.printf("%s: %s, %,d bytes, %.2f bits per value%s%n", gguf.getFileName(), plan.arch().key, size(gguf), sum.bitsPerValue(),
                sum.fallbacks().isEmpty() ? "" : String.format(" (%d fallback groups, %+,.0f bytes)", sum.fallbacks().size(), sum.fallbackExtraBytes()));
        return new Exported(s, t, gguf, ModelCost.of(m.config(), 1, 4).params(), sum.bitsPerValue());
    }

    private static String key(Exported f) { return f.source().label() + "|" + f.dtype(); }

    /** llama.cpp's and Shear's held-out perplexity of every file, cached in OUT/perplexity.json. */
    private Map<String, Map<String, Double>> perplexities(LlamaCppRunner llama, List<Exported> files, List<String> lines, int last) {
        Path cache = out.resolve("perplexity.json");
        Map<String, Map<String, Double>> done = new LinkedHashMap<>();
        try {
            if (Files.exists(cache)) done = Json.MAPPER.readValue(cache.toFile(), new TypeReference<LinkedHashMap<String, Map<String, Double>>>() {});
        } catch (IOException e) {
            throw new IllegalArgumentException(cache + ": unreadable (" + e.getMessage() + "); delete it to measure again");
        }
        String scope = firstLine + ".." + last;
        for (Exported f : files) {
            Map<String, Double> have = done.get(key(f));
            if (have != null && have.get("scope_hash").intValue() == scope.hashCode()) continue;
            try (LoadedLm lm = LoadedLm.open(f.gguf(), null)) {
                int window = lm.model().config().maxSeqLen();
                List<int[]> windows = Perplexity.lineWindows(lm.tokenizer(), lines.subList(firstLine, last), window);
                long start = System.nanoTime();
                LlamaCppRunner.Nll nll = llama.nll(f.gguf(), windows, window, llamaThreads);
                double shear = Perplexity.ofLines(new EvalTarget(lm.model(), lm.tokenizer(), lm.sha256()), "tinystories", lines,
                        PerplexitySpec.lines(firstLine, last), dev.shear.eval.Progress.NONE).ppl();
                System.out.printf("%s: held-out ppl %.4f in llama.cpp, %.4f in Shear on the dequantized weights (%,d tokens, %.0f s)%n",
                        f.gguf().getFileName(), nll.ppl(), shear, nll.tokens(), (System.nanoTime() - start) / 1e9);
                done.put(key(f), Map.of("llamacpp", nll.ppl(), "shear", shear, "tokens", (double) nll.tokens(), "scope_hash", (double) scope.hashCode()));
                AtomicFiles.writeString(cache, Json.string(done));
            }
        }
        return done;
    }

    /** Decode and prefill tokens/s of every file, rounds interleaved (A B C A B C ...) so machine load hits all alike. */
    private Map<Path, List<LlamaCppRunner.Speed>> speeds(LlamaCppRunner llama, List<Exported> files, List<String> lines) {
        List<Integer> prompt = new ArrayList<>();
        try (Tokenizer tok = ModelFolder.loadTokenizer(files.get(0).gguf(), null)) {
            for (int i = firstLine; prompt.size() < prefillTokens; i++)
                for (int id : tok.encode(lines.get(i % lines.size()), prompt.isEmpty(), false)) if (prompt.size() < prefillTokens) prompt.add(id);
        }
        int[] p = prompt.stream().mapToInt(Integer::intValue).toArray();
        Map<Path, List<LlamaCppRunner.Speed>> out = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (Exported f : files) {
                LlamaCppRunner.Speed s = llama.speed(f.gguf(), p, decodeTokens, 3, llamaThreads);
                out.computeIfAbsent(f.gguf(), k -> new ArrayList<>()).add(s);
            }
            System.out.printf("speed round %d of %d done%n", r + 1, rounds);
        }
        return out;
    }

    private void report(List<TradeoffReport.Row> rows, int nLines, int last) {
        String load;
        try {
            load = String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+"), 3));
        } catch (IOException | RuntimeException e) {
            load = "unknown";
        }
        List<String> notes = List.of(
                "Command: `./shear bench tradeoff " + String.join(" ", ownArgs()) + "`",
                String.format("Perplexity: held-out TinyStories non-empty lines [%d, %d) of %d, each scored on its own (lines protocol, window = the"
                        + " model's context), computed by llama.cpp on the file; the Shear column is Shear's fp32 forward pass on the weights it reads"
                        + " back from the same file (llama.cpp also rounds activations to 8 bits in its matrix products, so the two differ).",
                        firstLine, last, nLines),
                String.format("Speed: llama.cpp (node-llama-cpp 3.21.1, CPU, %d thread(s), F32 KV cache), batch 1: decode = %d generated tokens after"
                        + " the first, prefill = a %d-token prompt; each the median of 3 runs per round and then of %d interleaved rounds. Load"
                        + " average at the end: %s.", llamaThreads, decodeTokens, prefillTokens, rounds, load),
                "File sizes include metadata (the tokenizer) and alignment; bits/value counts the tensor data only, fallbacks and zero padding included.");
        String md = TradeoffReport.write(out.resolve("tradeoff.png"), "Pruned and quantized: size, perplexity and speed in llama.cpp", notes, rows);
        AtomicFiles.writeString(out.resolve("tradeoff.md"), md);
        Json.write(out.resolve("tradeoff.json"), rows.stream().map(BenchTradeoffCommand::json).toList());
        System.out.print(md);
        System.out.println("wrote " + out.resolve("tradeoff.md") + ", tradeoff.png and tradeoff.json");
    }

    /** One row with snake_case keys, as the other result files. */
    private static Map<String, Object> json(TradeoffReport.Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model());
        m.put("removed", r.removed());
        m.put("params", r.params());
        m.put("dtype", r.dtype());
        m.put("file_bytes", r.fileBytes());
        m.put("bits_per_value", r.bitsPerValue());
        m.put("ppl_llamacpp", r.ppl());
        m.put("ppl_shear_dequantized", r.shearPpl());
        m.put("tokens", r.tokens());
        m.put("decode_tokens_per_s", r.decodeTps());
        m.put("prefill_tokens_per_s", r.prefillTps());
        return m;
    }

    /** The arguments after "tradeoff" as the user gave them. */
    private List<String> ownArgs() {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        return all.subList(all.indexOf("tradeoff") + 1, all.size());
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new IllegalStateException(p + ": " + e.getMessage(), e);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
