package dev.shear.pipeline;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.model.CausalLm;
import dev.shear.model.KvCache;
import dev.shear.model.ModelCost;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Prefill and KV-cache decode tokens/s of several models in one run, interleaved (A B A B ...) so
 * that the shared machine's load hits them alike; medians per model.
 */
public final class SpeedBench {
    private SpeedBench() {}

    /**
     * @param prefillTokens prompt length of the prefill measurement
     * @param decodePrompt cached prompt before the timed decode steps
     * @param decodeTokens timed decode steps, one token per sequence each
     * @param reps interleaved repetitions per measurement (the median is reported)
     */
    public record Settings(List<Integer> batches, int prefillTokens, int decodePrompt, int decodeTokens, int reps, long seed) {
        public Settings {
            if (reps < 1 || prefillTokens < 1 || decodePrompt < 1 || decodeTokens < 1 || batches.stream().anyMatch(b -> b < 1))
                throw new IllegalArgumentException("--reps, --prefill-tokens, --decode-prompt, --decode-tokens and --batches must be positive");
            batches = List.copyOf(batches);
        }
    }

    /** A measured model: its size, and its matmul work per token at the prefill context. */
    public record Model(Path path, long params, long macsPerToken) {}

    /** One workload's medians, in tokens/s, one per model in the order given. */
    public record Row(String workload, List<Double> tokensPerSecond) {}

    /** Receives the models once loaded and each row as it is measured. */
    public interface Listener {
        default void loaded(List<Model> models, int threads) {}
        default void row(Row r) {}
    }

    /** @param rows workload name to tokens/s per model, in measurement order */
    public record Result(List<Model> models, Map<String, List<Double>> rows) {}

    /** One timed workload: a fresh KV cache, then prefill or (after an untimed prompt) decode steps. */
    private record Workload(String name, int batch, boolean decode, long tokens) {}

    public static Result run(List<Path> paths, Settings s, Listener out) {
        List<CausalLm> lms = new ArrayList<>();
        try {
            for (Path p : paths) lms.add(load(p, s));
            int vocab = lms.stream().mapToInt(m -> m.config().vocabSize()).min().orElseThrow();
            List<Model> models = new ArrayList<>();
            for (int i = 0; i < lms.size(); i++) {
                ModelCost c = ModelCost.of(lms.get(i).config(), s.prefillTokens(), 4);
                models.add(new Model(paths.get(i), c.params(), c.macsPerToken()));
            }
            out.loaded(List.copyOf(models), Engine.threads());
            Map<String, List<Double>> rows = new LinkedHashMap<>();
            for (Workload w : workloads(s)) {
                Row r = new Row(w.name(), measure(w, lms, vocab, s));
                rows.put(r.workload(), r.tokensPerSecond());
                out.row(r);
            }
            return new Result(List.copyOf(models), rows);
        } finally {
            lms.forEach(CausalLm::close);
        }
    }

    private static CausalLm load(Path p, Settings s) {
        LoadedModel m = ModelFolder.load(p);
        int need = Math.max(s.prefillTokens(), s.decodePrompt() + s.decodeTokens());
        if (need > m.config().maxSeqLen())
            throw new IllegalArgumentException(p + ": context " + m.config().maxSeqLen() + " is shorter than the " + need
                    + " positions the measurements need (lower --prefill-tokens or --decode-prompt/--decode-tokens)");
        return CausalLm.fromWeights(m.config(), m.weights(), DType.F32);
    }

    private static List<Workload> workloads(Settings s) {
        List<Workload> w = new ArrayList<>();
        for (int b : s.batches()) w.add(new Workload("prefill B=" + b + " T=" + s.prefillTokens(), b, false, (long) b * s.prefillTokens()));
        for (int b : s.batches())
            w.add(new Workload("decode B=" + b + " (" + s.decodeTokens() + " after " + s.decodePrompt() + ")", b, true, (long) b * s.decodeTokens()));
        return w;
    }

    /** Medians of reps interleaved over the models, as tokens/s per model. */
    private static List<Double> measure(Workload w, List<CausalLm> lms, int vocab, Settings s) {
        int[][] prompt = ids(w.batch(), w.decode() ? s.decodePrompt() : s.prefillTokens(), vocab, s.seed() * 31 + 1);
        int[][] steps = ids(w.batch(), s.decodeTokens(), vocab, s.seed() * 31 + 2);
        double[][] secs = new double[lms.size()][s.reps()];
        for (CausalLm m : lms) time(m, w, prompt, steps);                               // warm-up
        for (int r = 0; r < s.reps(); r++)
            for (int i = 0; i < lms.size(); i++) secs[i][r] = time(lms.get(i), w, prompt, steps);
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < lms.size(); i++) {
            Arrays.sort(secs[i]);
            rates.add(w.tokens() / secs[i][s.reps() / 2]);
        }
        return List.copyOf(rates);
    }

    private static double time(CausalLm m, Workload w, int[][] prompt, int[][] steps) {
        try (StepScope cacheScope = Engine.openScope(m.store())) {
            KvCache cache = new KvCache(cacheScope, m.config().numLayers());
            long t0 = System.nanoTime();
            step(m, prompt, cache);
            if (!w.decode()) return (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            for (int j = 0; j < steps[0].length; j++) {
                int[][] one = new int[steps.length][1];
                for (int b = 0; b < steps.length; b++) one[b][0] = steps[b][j];
                step(m, one, cache);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** One forward with the cache; reading the last position's logits waits for the result, as sampling would. */
    private static void step(CausalLm m, int[][] ids, KvCache cache) {
        try (StepScope s = Engine.openScope()) {
            var logits = m.forward(s.tokens(ids), cache);                              // (B, T, V)
            logits.narrow(1, logits.dim(1) - 1, 1).toFloats();
        }
    }

    private static int[][] ids(int batch, int len, int vocab, long seed) {
        Random rnd = new Random(seed);
        int[][] out = new int[batch][len];
        for (int[] row : out) for (int j = 0; j < len; j++) row[j] = rnd.nextInt(vocab);
        return out;
    }
}
