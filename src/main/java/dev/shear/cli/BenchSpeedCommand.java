package dev.shear.cli;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.ShearJson;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Prefill and KV-cache decode tokens/s of several models in one run, interleaved (A B A B ...) so
 * that the shared machine's load hits them alike; medians, and ratios against the first model.
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

    /** One timed workload: a fresh KV cache, then prefill or (after an untimed prompt) decode steps. */
    private record Workload(String name, int batch, boolean decode, long tokens) {}

    @Override public void run() {
        common.apply();
        if (reps < 1 || prefillTokens < 1 || decodePrompt < 1 || decodeTokens < 1 || batches.stream().anyMatch(b -> b < 1))
            throw new IllegalArgumentException("--reps, --prefill-tokens, --decode-prompt, --decode-tokens and --batches must be positive");
        List<CausalLm> lms = new ArrayList<>();
        try {
            for (Path p : models) lms.add(load(p));
            int vocab = lms.stream().mapToInt(m -> m.config().vocabSize()).min().orElseThrow();
            System.out.printf("bench speed: %d models, %d interleaved reps, medians; %d libtorch threads%n", lms.size(), reps, Engine.threads());
            for (int i = 0; i < lms.size(); i++) {
                ModelCost c = ModelCost.of(lms.get(i).config(), prefillTokens, 4);
                System.out.printf("  [%d] %s: %,d parameters, %,d MACs/token at context %d%n", i, models.get(i), c.params(), c.macsPerToken(), prefillTokens);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            printHeader(lms.size());
            for (Workload w : workloads()) out.put(w.name(), measure(w, lms, vocab));
            if (json != null) ShearJson.write(json, out);
        } finally {
            lms.forEach(CausalLm::close);
        }
    }

    private CausalLm load(Path p) {
        LoadedModel m = ModelFolder.load(p);
        int need = Math.max(prefillTokens, decodePrompt + decodeTokens);
        if (need > m.config().maxSeqLen())
            throw new IllegalArgumentException(p + ": context " + m.config().maxSeqLen() + " is shorter than the " + need
                    + " positions the measurements need (lower --prefill-tokens or --decode-prompt/--decode-tokens)");
        return CausalLm.fromWeights(m.config(), m.weights(), DType.F32);
    }

    private List<Workload> workloads() {
        List<Workload> w = new ArrayList<>();
        for (int b : batches) w.add(new Workload("prefill B=" + b + " T=" + prefillTokens, b, false, (long) b * prefillTokens));
        for (int b : batches) w.add(new Workload("decode B=" + b + " (" + decodeTokens + " after " + decodePrompt + ")", b, true, (long) b * decodeTokens));
        return w;
    }

    /** Medians of reps interleaved over the models; prints one row and returns tokens/s per model. */
    private List<Double> measure(Workload w, List<CausalLm> lms, int vocab) {
        int[][] prompt = ids(w.batch(), w.decode() ? decodePrompt : prefillTokens, vocab, 1);
        int[][] steps = ids(w.batch(), decodeTokens, vocab, 2);
        double[][] secs = new double[lms.size()][reps];
        for (CausalLm m : lms) time(m, w, prompt, steps);                               // warm-up
        for (int r = 0; r < reps; r++)
            for (int i = 0; i < lms.size(); i++) secs[i][r] = time(lms.get(i), w, prompt, steps);
        List<Double> rates = new ArrayList<>();
        StringBuilder row = new StringBuilder(String.format("%-30s", w.name()));
        for (int i = 0; i < lms.size(); i++) {
            Arrays.sort(secs[i]);
            rates.add(w.tokens() / secs[i][reps / 2]);
            row.append(String.format(" %12.1f", rates.get(i)));
        }
        for (int i = 1; i < lms.size(); i++) row.append(String.format(" %8.2fx", rates.get(i) / rates.get(0)));
        System.out.println(row);
        return rates;
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

    private int[][] ids(int batch, int len, int vocab, int salt) {
        Random rnd = new Random(common.seed * 31 + salt);
        int[][] out = new int[batch][len];
        for (int[] row : out) for (int j = 0; j < len; j++) row[j] = rnd.nextInt(vocab);
        return out;
    }

    private void printHeader(int n) {
        StringBuilder h = new StringBuilder(String.format("%-30s", "tokens/s"));
        for (int i = 0; i < n; i++) h.append(String.format(" %12s", "[" + i + "]"));
        for (int i = 1; i < n; i++) h.append(String.format(" %9s", "[" + i + "]/[0]"));
        System.out.println(h);
    }
}
