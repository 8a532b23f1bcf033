package dev.shear.pipeline;

import dev.shear.data.TokenBatch;
import dev.shear.distributed.ValidationProbe;
import dev.shear.engine.Bench;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.Ops;
import dev.shear.engine.Progress;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.graph.Cluster;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.StructureSet;
import dev.shear.io.HfConfigJson;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.model.ModelCost;
import dev.shear.prune.KnowledgeDistribution;
import dev.shear.prune.LhspgPruner;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.MagnitudeSaliency;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.TrainStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Perplexity-pass, LoRA training-step and LHSPG-update throughput against the fp32 matmul peak
 * measured in the same run, then resident memory over a long run of LoRA steps.
 */
public final class StepBench {
    private StepBench() {}

    public static final Set<String> PHASES = Set.of("forward", "lora", "lhspg", "kda");

    /**
     * @param phases any of {@link #PHASES}; lhspg is a paper-mode update with all of layer 0's structures active;
     *               kda is one whole knowledge distribution analysis, probing the whole model and then each layer's suffix
     * @param rssSteps training steps of the resident-memory run after the phases (0 skips it)
     */
    public record Settings(int batch, int seq, int reps, int rssSteps, List<String> phases, long seed) {
        public Settings {
            for (String p : phases)
                if (!PHASES.contains(p)) throw new IllegalArgumentException("--phases: unknown phase '" + p + "' (forward, lora, lhspg, kda)");
            phases = List.copyOf(phases);
        }

        public long tokens() { return (long) batch * seq; }
    }

    /** The engine and model a run measured, with the matmul peak its rates are set against. */
    public record Setup(String engine, int threads, long params, double matmulPeakGflops, boolean mklAmdShim) {}

    /**
     * The median time of one phase.
     * @param flops matmul FLOPs of one step (0: not counted, no rate)
     * @param extra what the phase reports beside its time (the loss, LHSPG's active norm)
     * @param peakRssMib the process's peak RSS when the phase was done
     */
    public record PhaseTime(String phase, double secondsPerStep, double flops, Map<String, Object> extra, double peakRssMib) {}

    /** One row of the resident-memory run: at step 1 and every 100 steps, the RSS and that step's time. */
    public record RssSample(int step, double rssMib, double stepSeconds) {}

    /** @param trained whether the LoRA phases ran (adapters inserted and stepped) */
    public record Result(Setup setup, List<PhaseTime> phases, List<RssSample> rss, boolean trained) {}

    /** Receives each part of the result as it is measured. */
    public interface Listener {
        default void setup(Setup s) {}
        default void phase(PhaseTime t) {}
        default void rssSample(RssSample s) {}
    }

    /**
     * What {@link #run} opens, checked now and opened there: {@code model} (a llama2.c checkpoint or a
     * Hugging Face folder), or random weights of {@code config}'s shape, or of {@code shape} when neither is given.
     */
    public static Supplier<CausalLm> model(Path model, Path config, Supplier<ModelConfig> shape, long seed) {
        if (model != null && config != null) throw new IllegalArgumentException("give at most one of --model and --config");
        return () -> {
            if (model != null) {
                LoadedModel m = ModelFolder.load(model);
                return CausalLm.fromWeights(m.config(), m.weights(), DType.F32);
            }
            ModelConfig cfg = config != null ? HfConfigJson.read(config) : shape.get();
            return CausalLm.random(cfg, seed, DType.F32);
        };
    }

    /** Measures the matmul peak, then opens the model with {@code open} and times the phases on it. */
    public static Result run(Supplier<CausalLm> open, Settings s, Listener out) {
        double peak = Bench.matmulPeakGflops(1024, 10);
        List<PhaseTime> times = new ArrayList<>();
        List<RssSample> rss = new ArrayList<>();
        Listener record = new Listener() {
            @Override public void phase(PhaseTime t) { times.add(t); out.phase(t); }
            @Override public void rssSample(RssSample r) { rss.add(r); out.rssSample(r); }
        };
        try (CausalLm lm = open.get()) {
            ModelConfig cfg = lm.config();
            double fwdFlops = forwardFlopsPerToken(cfg, s.seq()) * s.tokens();
            Setup setup = new Setup(Engine.version(), Engine.threads(), lm.numParams(), peak, Bench.mklAmdShimLoaded());
            out.setup(setup);
            Random rnd = new Random(s.seed());
            int[][] rows = new int[s.batch()][s.seq() + 1];
            for (int[] r : rows) for (int j = 0; j < r.length; j++) r[j] = rnd.nextInt(cfg.vocabSize());
            TokenBatch tb = TokenBatch.causal(rows);
            if (s.phases().contains("forward")) {
                double[] loss = new double[1];
                double fwd = median(s.reps(), () -> {
                    try (StepScope sc = Engine.openScope(lm.store())) {
                        Tensor logits = lm.forward(sc.tokens(tb.inputs()));
                        loss[0] = Ops.tokenNll(logits, sc.tokens(tb.targets())).sum().item() / s.tokens();   // mean NLL, as the perplexity pass
                    }
                });
                record.phase(new PhaseTime("forward", fwd, fwdFlops, Map.of("loss", loss[0]), Bench.peakRssMib()));
            }
            if (s.phases().contains("kda")) record.phase(kda(lm, rows, s));
            boolean trained = s.phases().contains("lora") || s.phases().contains("lhspg");
            if (trained) train(lm, tb, fwdFlops, s, record);
            return new Result(setup, List.copyOf(times), List.copyOf(rss), trained);
        }
    }

    private static void train(CausalLm lm, TokenBatch tb, double fwdFlops, Settings s, Listener out) {
        LoraAdapters ad = LoraAdapters.insert(lm, new LoraConfig(LoraConfig.ALL_TARGETS, 8, 16, 0.0, 1));
        try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
            if (s.phases().contains("lora")) {
                double[] loss = new double[1];
                double train = median(s.reps(), () -> loss[0] = TrainStep.run(ad, opt, List.of(tb), 1e-4).loss());
                // backward through frozen weights costs one more forward's worth of matmuls (input grads only)
                out.phase(new PhaseTime("lora", train, 2 * fwdFlops, Map.of("loss", loss[0]), Bench.peakRssMib()));
            } else {
                TrainStep.run(ad, opt, List.of(tb), 1e-4);                   // B non-zero, as after training
            }
            if (s.phases().contains("lhspg")) out.phase(lhspg(lm, ad, s.reps()));
            for (int k = 1; k <= s.rssSteps(); k++) {
                long t0 = System.nanoTime();
                TrainStep.run(ad, opt, List.of(tb), 1e-4);
                if (k % 100 == 0 || k == 1) out.rssSample(new RssSample(k, Bench.rssMib(), (System.nanoTime() - t0) / 1e9));
            }
        }
    }

    /**
     * Times one LHSPG step hook call with every KV group and MLP channel of layer 0 active: the
     * period starts (saliency, untimed) on the first call; later calls are pure projection steps.
     */
    private static PhaseTime lhspg(CausalLm lm, LoraAdapters ad, int reps) {
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
        return new PhaseTime("lhspg", t, 0, Map.of("active_norm", norms.get(norms.size() - 1), "active", pruner.active().size()), Bench.peakRssMib());
    }

    /**
     * One knowledge distribution analysis (magnitude proxy, ratios 0.25 / 0.5 / 0.75, every prunable group)
     * over the phase's sequences, with every probe running the whole model and with the probe that
     * computes each layer's prefix once: the fastest of {@code reps} alternated runs of each after
     * one untimed pair. The two must give the same curves to the bit.
     */
    private static PhaseTime kda(CausalLm lm, int[][] rows, Settings s) {
        StructureSet set = DependencyGraph.trace(lm).structures();
        List<Double> ratios = List.of(0.25, 0.5, 0.75);
        ValidationProbe layered = new ValidationProbe(Arrays.asList(rows), s.seq(), s.batch());
        KnowledgeDistribution.Probe whole = layered::perplexity;                  // no layer prefix: the interface's default
        KnowledgeDistribution.Result a = null, b = null;
        double wholeS = Double.MAX_VALUE, layeredS = Double.MAX_VALUE;
        for (int rep = 0; rep <= s.reps(); rep++) {                              // alternated; rep 0 warms both up
            long t0 = System.nanoTime();
            a = KnowledgeDistribution.analyse(lm, set, ratios, 0, whole, Progress.NONE);
            long t1 = System.nanoTime();
            b = KnowledgeDistribution.analyse(lm, set, ratios, 0, layered, Progress.NONE);
            long t2 = System.nanoTime();
            if (rep == 0) continue;
            wholeS = Math.min(wholeS, (t1 - t0) / 1e9);
            layeredS = Math.min(layeredS, (t2 - t1) / 1e9);
        }
        boolean same = a.basePpl() == b.basePpl();
        for (int i = 0; i < a.rows().size(); i++) same &= a.rows().get(i).ppl().equals(b.rows().get(i).ppl());
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        extra.put("probes", a.rows().size() * ratios.size() + 1);
        extra.put("whole_model_s", wholeS);
        extra.put("speedup", wholeS / layeredS);
        extra.put("same_curves", same);
        return new PhaseTime("kda", layeredS, 0, extra, Bench.peakRssMib());
    }

    private static double median(int n, Runnable r) {
        r.run();                                                        // warm-up
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return t[n / 2];
    }

    /** Matmul FLOPs per token of a forward pass over seq tokens: 2 per multiply-accumulate, attention over the full window. */
    public static double forwardFlopsPerToken(ModelConfig c, int seq) { return 2.0 * ModelCost.of(c, seq, 4).macsPerToken(); }
}
