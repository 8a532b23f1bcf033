package dev.shear.pipeline;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.shear.data.DataPaths;
import dev.shear.engine.Engine;
import dev.shear.engine.Progress;
import dev.shear.eval.Datasets;
import dev.shear.eval.EvalTarget;
import dev.shear.eval.LlamaCppRunner;
import dev.shear.eval.Perplexity;
import dev.shear.eval.PerplexitySpec;
import dev.shear.io.AtomicFiles;
import dev.shear.io.GgufExport;
import dev.shear.io.LlamaCppPlan;
import dev.shear.io.ModelFolder;
import dev.shear.io.ShearJson;
import dev.shear.io.Tokenizer;
import dev.shear.model.ModelConfig;
import dev.shear.model.ModelCost;
import dev.shear.prune.PruneSettings;
import dev.shear.report.TradeoffReport;
import dev.shear.train.Checkpointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The size-quality-speed trade-off of pruning and quantization in llama.cpp: every model (the dense
 * one, pruned folders given, and models pruned and recovered here with the defaults of
 * {@code ./shear prune} and {@code ./shear recover}) is exported in every storage type, then
 * llama.cpp scores held-out TinyStories on each file and measures decode and prefill speed,
 * interleaved. Writes the GGUF files, tradeoff.json, tradeoff.md (table and Pareto front) and
 * tradeoff.png. Perplexities are kept in OUT/perplexity.json and pruned models in OUT/models, so a
 * rerun measures only what is missing.
 */
public final class TradeoffBench {
    /**
     * @param model         the dense model (null: stories260K)
     * @param pruned        already pruned (and recovered) model folders
     * @param ratios        0 = the dense model; others are pruned and recovered here
     * @param align         MLP widths padded to a multiple of this before quantizing (1: kept)
     * @param firstLine     the first held-out TinyStories line (non-empty lines)
     * @param maxLines      at most this many held-out lines (0: all)
     * @param rounds        interleaved speed rounds over all files (the median is reported)
     * @param decodeTokens  generated tokens per decode measurement
     * @param prefillTokens prompt tokens per prefill measurement
     * @param llamacpp      the folder with llamacpp-run.mjs and node-llama-cpp
     */
    public record Settings(Path model, List<Path> pruned, List<Double> ratios, List<GgufExport.Dtype> dtypes, int align, int firstLine,
                           int maxLines, int rounds, int decodeTokens, int prefillTokens, int threads, Path llamacpp, Path out, long seed) {
        public Settings {
            pruned = List.copyOf(pruned);
            ratios = List.copyOf(ratios);
            dtypes = List.copyOf(dtypes);
            if (rounds < 1 || decodeTokens < 2 || prefillTokens < 1 || threads < 1 || maxLines < 0 || firstLine < 0 || align < 1)
                throw new IllegalArgumentException("--rounds, --decode-tokens (>= 2), --prefill-tokens, --llamacpp-threads and --align must be positive");
            for (double r : ratios) if (r < 0 || r >= 0.95) throw new IllegalArgumentException("--ratios: " + r + " is outside [0, 0.95)");
            if (model != null && !Files.exists(model)) throw new IllegalArgumentException("--model " + model + ": not found");
            for (Path p : pruned) if (!Files.exists(p)) throw new IllegalArgumentException("--pruned " + p + ": not found");
            if (ratios.isEmpty() && pruned.isEmpty()) throw new IllegalArgumentException("nothing to measure: give --ratios or --pruned");
            if (dtypes.isEmpty()) throw new IllegalArgumentException("--dtypes: give at least one type");
        }
    }

    /** @param markdown tradeoff.md as written */
    public record Result(List<TradeoffReport.Row> rows, String markdown) {}

    /** One model to export: a label for the table and where it is. */
    private record Source(String label, Path path) {}

    /** One exported file. */
    private record Exported(Source source, GgufExport.Dtype dtype, Path gguf, long params, double bitsPerValue) {
        String key() { return source.label() + "|" + dtype; }
    }

    /** One file's held-out perplexities as perplexity.json keeps them; {@code scope} names the lines they cover. */
    record Scored(double llamacpp, double shear, long tokens, String scope) {}

    private final Settings s;
    private final LlamaCppRunner llama;
    private final Consumer<String> log;
    private final Progress progress;

    private TradeoffBench(Settings s, Consumer<String> log, Progress progress) {
        this.s = s;
        this.llama = new LlamaCppRunner(s.llamacpp());
        this.log = log;
        this.progress = progress;
    }

    /**
     * Runs the benchmark and writes its report into {@code s.out()}.
     *
     * @param command the command line, quoted in the report
     * @param log     one line per step (pruning, each export, each perplexity, each speed round)
     */
    public static Result run(Settings s, String command, Consumer<String> log, Progress progress) {
        return new TradeoffBench(s, log, progress).run(command);
    }

    private Result run(String command) {
        Path dense = s.model() != null ? s.model() : DataPaths.stories260K();
        ModelConfig denseConfig = ModelFolder.loadConfig(dense);
        LlamaCppPlan denseFile = LlamaCppPlan.of(denseConfig, new LlamaCppPlan.Options(null, s.align()));
        for (GgufExport.Dtype t : s.dtypes()) GgufExport.requireWritable(denseFile.target(), denseFile.arch(), t);      // pruning keeps the layer count
        List<String> lines = Datasets.text("tinystories").nonEmptyLines();
        if (s.firstLine() >= lines.size())
            throw new IllegalArgumentException("--first-line " + s.firstLine() + ": TinyStories has " + lines.size() + " non-empty lines");
        int last = s.maxLines() > 0 ? Math.min(lines.size(), s.firstLine() + s.maxLines()) : lines.size();
        long denseParams = ModelCost.of(denseConfig, 1, 4).params();
        List<Exported> files = new ArrayList<>();
        for (Source src : sources(dense)) for (GgufExport.Dtype t : s.dtypes()) files.add(export(src, t));
        Map<String, Scored> ppl = perplexities(files, lines, last);
        Map<Path, List<LlamaCppRunner.Speed>> speeds = speeds(files, lines);
        List<TradeoffReport.Row> rows = new ArrayList<>();
        for (Exported f : files) {
            Scored p = ppl.get(f.key());
            List<LlamaCppRunner.Speed> sp = speeds.get(f.gguf());
            rows.add(new TradeoffReport.Row(f.source().label(), 1.0 - (double) f.params() / denseParams, f.params(), f.dtype().name().toLowerCase(),
                    size(f.gguf()), f.bitsPerValue(), p.llamacpp(), p.shear(), p.tokens(),
                    median(sp.stream().mapToDouble(LlamaCppRunner.Speed::decode).toArray()),
                    median(sp.stream().mapToDouble(LlamaCppRunner.Speed::prefill).toArray())));
        }
        return new Result(rows, report(rows, command, lines.size(), last));
    }

    /** The dense model (ratio 0), the given pruned folders, then models pruned and recovered here (reused when already there). */
    private List<Source> sources(Path dense) {
        List<Source> out = new ArrayList<>();
        if (s.ratios().contains(0.0)) out.add(new Source("dense", dense));
        for (Path p : s.pruned()) out.add(new Source(p.getFileName().toString(), p));
        for (double r : s.ratios()) if (r != 0) out.add(new Source(String.format("pruned %.0f%% + recovered", 100 * r), prunedAndRecovered(dense, r)));
        return out;
    }

    /** Prunes with the bundled defaults (as `./shear prune --ratio r`), then recovers with the built-in spec (as `./shear recover`). */
    private Path prunedAndRecovered(Path dense, double r) {
        Path models = s.out().resolve("models"), pruned = models.resolve("pruned-" + r), recovered = models.resolve("recovered-" + r);
        if (Files.exists(recovered.resolve("config.json"))) return recovered;
        log.accept(String.format("pruning %.0f%% with the defaults of shear prune, then shear recover, into %s", 100 * r, recovered));
        if (!Files.exists(pruned.resolve("config.json"))) {
            PipelineConfig d = PipelineConfig.defaults(s.seed());
            PruneSettings ps = d.pruneSettings().withRatio(r);
            Engine.seed(s.seed());
            try (LoadedLm lm = LoadedLm.open(dense, null)) {
                PruneJob.run(PruneJob.trace(lm, ps), lm.tokenizer(), ps, PruneJob.PruneData.of(d.prune().data(), null, s.seed()), pruned,
                        Checkpointer.NONE, progress);
            }
        }
        Path ckpt = models.resolve("recovered-" + r + ".ckpt");
        AtomicFiles.deleteTree(ckpt);
        Engine.seed(s.seed());
        try (LoadedLm p = LoadedLm.open(pruned, null); LoadedLm ref = LoadedLm.open(dense, null)) {
            RecoverJob.run(p, ref, RecoverySpec.load(null), null, s.seed(), recovered, ckpt, progress);
        }
        AtomicFiles.deleteTree(ckpt);
        return recovered;
    }

    private Exported export(Source src, GgufExport.Dtype t) {
        Path gguf = s.out().resolve("gguf").resolve(src.label().replaceAll("[^A-Za-z0-9]+", "-") + "." + t.name().toLowerCase() + ".gguf");
        GgufExport.Written w;
        try (Tokenizer tok = ModelFolder.loadTokenizer(src.path(), null)) {
            w = GgufExport.forLlamaCpp(ModelFolder.load(src.path()), tok, new LlamaCppPlan.Options(null, s.align()), t, gguf);
        }
        var sum = w.summary();
        log.accept(String.format("%s: %s, %,d bytes, %.2f bits per value%s", gguf.getFileName(), w.plan().arch().key, size(gguf), sum.bitsPerValue(),
                sum.fallbacks().isEmpty() ? "" : String.format(" (%d fallback groups, %+,.0f bytes)", sum.fallbacks().size(), sum.fallbackExtraBytes())));
        return new Exported(src, t, gguf, LlamaCppPlan.params(w.plan().source()), sum.bitsPerValue());
    }

    /** llama.cpp's and Shear's held-out perplexity of every file, cached in OUT/perplexity.json. */
    private Map<String, Scored> perplexities(List<Exported> files, List<String> lines, int last) {
        Path cache = s.out().resolve("perplexity.json");
        Map<String, Scored> done = new LinkedHashMap<>();
        if (Files.exists(cache)) {
            try {
                done = ShearJson.MAPPER.readValue(cache.toFile(), new TypeReference<LinkedHashMap<String, Scored>>() {});
            } catch (IOException e) {
                throw new IllegalArgumentException(cache + ": unreadable (" + e.getMessage().lines().findFirst().orElse("") + "); delete it to measure again");
            }
        }
        String scope = s.firstLine() + ".." + last;
        for (Exported f : files) {
            Scored have = done.get(f.key());
            if (have != null && scope.equals(have.scope())) continue;
            try (LoadedLm lm = LoadedLm.open(f.gguf(), null)) {
                int window = lm.model().config().maxSeqLen();
                List<int[]> windows = Perplexity.lineWindows(lm.tokenizer(), lines.subList(s.firstLine(), last), window);
                long start = System.nanoTime();
                LlamaCppRunner.Nll nll = llama.nll(f.gguf(), windows, window, s.threads());
                double shear = Perplexity.ofLines(new EvalTarget(lm.model(), lm.tokenizer(), lm.sha256()), "tinystories", lines,
                        PerplexitySpec.lines(s.firstLine(), last), Progress.NONE).ppl();
                log.accept(String.format("%s: held-out ppl %.4f in llama.cpp, %.4f in Shear on the dequantized weights (%,d tokens, %.0f s)",
                        f.gguf().getFileName(), nll.ppl(), shear, nll.tokens(), (System.nanoTime() - start) / 1e9));
                done.put(f.key(), new Scored(nll.ppl(), shear, nll.tokens(), scope));
                ShearJson.write(cache, done);
            }
        }
        return done;
    }

    /** Decode and prefill tokens/s of every file, rounds interleaved (A B C A B C ...) so machine load hits all alike. */
    private Map<Path, List<LlamaCppRunner.Speed>> speeds(List<Exported> files, List<String> lines) {
        List<Integer> prompt = new ArrayList<>();
        try (Tokenizer tok = ModelFolder.loadTokenizer(files.get(0).gguf(), null)) {
            for (int i = s.firstLine(); prompt.size() < s.prefillTokens(); i++)
                for (int id : tok.encode(lines.get(i % lines.size()), prompt.isEmpty(), false)) if (prompt.size() < s.prefillTokens()) prompt.add(id);
        }
        int[] p = prompt.stream().mapToInt(Integer::intValue).toArray();
        Map<Path, List<LlamaCppRunner.Speed>> out = new LinkedHashMap<>();
        for (int r = 0; r < s.rounds(); r++) {
            for (Exported f : files) out.computeIfAbsent(f.gguf(), k -> new ArrayList<>()).add(llama.speed(f.gguf(), p, s.decodeTokens(), 3, s.threads()));
            log.accept(String.format("speed round %d of %d done", r + 1, s.rounds()));
        }
        return out;
    }

    /** Writes tradeoff.md, tradeoff.png and tradeoff.json (snake_case rows) and returns the Markdown. */
    private String report(List<TradeoffReport.Row> rows, String command, int nLines, int last) {
        List<String> notes = List.of(
                "Command: `" + command + "`",
                String.format("Perplexity: held-out TinyStories non-empty lines [%d, %d) of %d, each scored on its own (lines protocol, window = the"
                        + " model's context), computed by llama.cpp on the file; the Shear column is Shear's fp32 forward pass on the weights it reads"
                        + " back from the same file (llama.cpp also rounds activations to 8 bits in its matrix products, so the two differ).",
                        s.firstLine(), last, nLines),
                String.format("Speed: llama.cpp (node-llama-cpp 3.21.1, CPU, %d thread(s), F32 KV cache), batch 1: decode = %d generated tokens after"
                        + " the first, prefill = a %d-token prompt; each the median of 3 runs per round and then of %d interleaved rounds. Load"
                        + " average at the end: %s.", s.threads(), s.decodeTokens(), s.prefillTokens(), s.rounds(), loadAverage()),
                "File sizes include metadata (the tokenizer) and alignment; bits/value counts the tensor data only, fallbacks and zero padding included.");
        String md = TradeoffReport.write(s.out().resolve("tradeoff.png"), "Pruned and quantized: size, perplexity and speed in llama.cpp", notes, rows);
        AtomicFiles.writeString(s.out().resolve("tradeoff.md"), md);
        ShearJson.write(s.out().resolve("tradeoff.json"), rows);
        return md;
    }

    private static String loadAverage() {
        try {
            return String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+"), 3));
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new IllegalStateException(p + ": " + e.getMessage(), e);
        }
    }

    private static double median(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
