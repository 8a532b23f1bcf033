package dev.shear.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shear.data.TokenBatch;
import dev.shear.engine.Bench;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.graph.Cluster;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.StructureSet;
import dev.shear.io.HfConfigJson;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.ShearJson;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.model.ModelCost;
import dev.shear.prune.LhspgPruner;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.MagnitudeSaliency;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.TrainStep;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Perplexity-pass, LoRA training-step and LHSPG-update throughput against the matmul peak measured in
 * the same run; by default on a random 4-layer, 512-wide model. bench/torch_ref.py times the same steps
 * in PyTorch and bench/compare.sh runs the two side by side.
 */
@Command(name = "step", description = "Forward (perplexity pass), LoRA step and LHSPG update throughput, FLOP rate vs measured matmul peak, RSS over a long run.",
        mixinStandardHelpOptions = true)
final class BenchStepCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--model", description = "A llama2.c .bin checkpoint or a Hugging Face folder (instead of random weights).") Path model;
    @Option(names = "--config", description = "A Hugging Face config.json: random weights of that shape (overrides --layers ... --vocab).") Path config;
    @Option(names = "--layers", defaultValue = "4") int layers;
    @Option(names = "--hidden", defaultValue = "512") int hidden;
    @Option(names = "--heads", defaultValue = "8") int heads;
    @Option(names = "--kv-heads", defaultValue = "4") int kvHeads;
    @Option(names = "--mlp", defaultValue = "1376") int mlp;
    @Option(names = "--vocab", defaultValue = "32000") int vocab;
    @Option(names = "--batch", defaultValue = "4") int batch;
    @Option(names = "--seq", defaultValue = "256") int seq;
    @Option(names = "--reps", defaultValue = "10", description = "Timed repetitions for the throughput medians.") int reps;
    @Option(names = "--steps", defaultValue = "1000", description = "Training steps of the RSS run (0 skips it).") int steps;
    @Option(names = "--phases", defaultValue = "forward,lora", split = ",",
            description = "Any of forward, lora, lhspg (LHSPG paper-mode update with all of layer 0's structures active).")
    List<String> phases;
    @Option(names = "--json", description = "One JSON object per line (for bench/compare.sh).") boolean json;

    private double peak;
    private long tokens;

    @Override public void run() {
        common.apply();
        for (String p : phases)
            if (!Set.of("forward", "lora", "lhspg").contains(p)) throw new IllegalArgumentException("--phases: unknown phase '" + p + "' (forward, lora, lhspg)");
        if (model != null && config != null) throw new IllegalArgumentException("give at most one of --model and --config");
        peak = Bench.matmulPeakGflops(1024, 10);
        tokens = (long) batch * seq;
        try (CausalLm lm = open()) {
            ModelConfig cfg = lm.config();
            double fwdFlops = forwardFlopsPerToken(cfg, seq) * tokens;
            setup(lm);
            Random rnd = new Random(common.seed);
            int[][] rows = new int[batch][seq + 1];
            for (int[] r : rows) for (int j = 0; j < r.length; j++) r[j] = rnd.nextInt(cfg.vocabSize());
            TokenBatch tb = TokenBatch.causal(rows);
            if (phases.contains("forward")) {
                double[] loss = new double[1];
                double fwd = median(reps, () -> {
                    try (StepScope s = Engine.openScope(lm.store())) {
                        Tensor logits = lm.forward(s.tokens(tb.inputs()));
                        loss[0] = Ops.tokenNll(logits, s.tokens(tb.targets())).sum().item() / tokens;   // mean NLL, as the perplexity pass
                    }
                });
                report("forward", fwd, fwdFlops, Map.of("loss", loss[0]));
            }
            if (!phases.contains("lora") && !phases.contains("lhspg")) return;
            LoraAdapters ad = LoraAdapters.insert(lm, new LoraConfig(LoraConfig.ALL_TARGETS, 8, 16, 0.0, 1));
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                if (phases.contains("lora")) {
                    double[] loss = new double[1];
                    double train = median(reps, () -> loss[0] = TrainStep.run(ad, opt, List.of(tb), 1e-4).loss());
                    // backward through frozen weights costs one more forward's worth of matmuls (input grads only)
                    report("lora", train, 2 * fwdFlops, Map.of("loss", loss[0]));
                } else {
                    TrainStep.run(ad, opt, List.of(tb), 1e-4);                   // B non-zero, as after training
                }
                if (phases.contains("lhspg")) lhspg(lm, ad);
                if (steps > 0 && !json) rssRun(ad, opt, tb);
            }
        }
        if (json) line(Map.of("impl", "shear", "event", "done", "rss_peak_mib", Bench.peakRssMib()));
    }

    private CausalLm open() {
        if (model != null) {
            LoadedModel m = ModelFolder.load(model);
            return CausalLm.fromWeights(m.config(), m.weights(), DType.F32);
        }
        ModelConfig cfg = config != null ? HfConfigJson.read(config) : ModelConfig.llama(hidden, mlp, layers, heads, kvHeads, vocab, seq, false);
        return CausalLm.random(cfg, common.seed, DType.F32);
    }

    /**
     * Times one LHSPG step hook call with every KV group and MLP channel of layer 0 active: the
     * period starts (saliency, untimed) on the first call; later calls are pure projection steps.
     */
    private void lhspg(CausalLm lm, LoraAdapters ad) {
        StructureSet all = DependencyGraph.trace(lm).structures();
        Set<Integer> others = new HashSet<>();
        Map<Cluster, Integer> counts = new EnumMap<>(Cluster.class);
        for (int g = 0; g < all.groups().size(); g++) {
            PrunableGroup pg = all.groups().get(g);
            if (pg.layer() != 0) others.add(g);
            else counts.merge(pg.cluster(), pg.structures().size(), Integer::sum);
        }
        LhspgSchedule s = LhspgSchedule.of(0, 1, reps + 3);   // no period end inside the timing
        LhspgPruner pruner = new LhspgPruner(lm, ad, all.withUnprunable(others), counts, s, LhspgPruner.Mode.PAPER, new MagnitudeSaliency());
        pruner.afterStep(0);
        long[] k = {1};
        double t = median(reps, () -> pruner.afterStep(k[0]++));
        List<Double> norms = pruner.log().get(0).activeNorm();
        report("lhspg", t, 0, Map.of("active_norm", norms.get(norms.size() - 1), "active", pruner.active().size()));
    }

    private void setup(CausalLm lm) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("impl", "shear");
            m.put("event", "setup");
            m.put("engine", Engine.version());
            m.put("threads", Engine.threads());
            m.put("params", lm.numParams());
            m.put("batch", batch);
            m.put("seq", seq);
            m.put("matmul_peak_gflops", peak);
            m.put("mkl_amd_shim", Bench.mklAmdShimLoaded());
            m.put("mkl_cbwr", System.getenv("MKL_CBWR"));
            line(m);
        } else {
            System.out.printf("engine %s, %d threads%s; fp32 matmul peak (1024^3): %.1f GFLOP/s; %d parameters%n",
                    Engine.version(), Engine.threads(), Bench.mklAmdShimLoaded() ? ", MKL AMD shim" : "", peak, lm.numParams());
        }
    }

    private void rssRun(LoraAdapters ad, AdamW opt, TokenBatch tb) {
        System.out.println("step    RSS MiB   step s");
        for (int k = 1; k <= steps; k++) {
            long t0 = System.nanoTime();
            TrainStep.run(ad, opt, List.of(tb), 1e-4);
            if (k % 100 == 0 || k == 1) System.out.printf("%5d  %8.1f  %7.3f%n", k, Bench.rssMib(), (System.nanoTime() - t0) / 1e9);
        }
    }

    private void report(String what, double secs, double flops, Map<String, Object> extra) {
        double rate = flops / secs / 1e9;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("impl", "shear");
            m.put("phase", what);
            m.put("s_per_step", secs);
            m.put("tokens_per_s", flops > 0 ? tokens / secs : null);
            m.put("gflops", flops > 0 ? rate : null);
            m.put("of_peak", flops > 0 ? rate / peak : null);
            m.put("matmul_peak_gflops", peak);
            m.put("rss_peak_mib", Bench.peakRssMib());
            m.putAll(extra);
            line(m);
        } else if (flops > 0) {
            System.out.printf("%-14s %8.3f s/step  %9.0f tokens/s  %7.1f GFLOP/s  %5.1f%% of peak%n", what, secs, tokens / secs, rate, 100 * rate / peak);
        } else {
            System.out.printf("%-14s %8.3f s/step%n", what, secs);
        }
    }

    private static void line(Map<String, Object> m) {
        try {
            System.out.println(ShearJson.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double median(int n, Runnable r) {
        r.run();                                                        // warm-up
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        java.util.Arrays.sort(t);
        return t[n / 2];
    }

    /** Matmul FLOPs per token of a forward pass over seq tokens: 2 per multiply-accumulate, attention over the full window. */
    static double forwardFlopsPerToken(ModelConfig c, int seq) { return 2.0 * ModelCost.of(c, seq, 4).macsPerToken(); }
}
