package dev.shear.cli;

import dev.shear.engine.Bench;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.lora.AdamW;
import dev.shear.lora.AdamWConfig;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.lora.TokenBatch;
import dev.shear.lora.TrainStep;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.model.ModelCost;
import java.util.List;
import java.util.Random;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Forward and LoRA training throughput on a random 4-layer, 512-wide model, against the matmul peak. */
@Command(name = "step", description = "Forward and LoRA step throughput, FLOP rate vs measured matmul peak, RSS over a long run.",
        mixinStandardHelpOptions = true)
final class BenchStepCommand implements Runnable {
    @Mixin CommonOptions common;
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

    @Override public void run() {
        common.apply();
        ModelConfig cfg = ModelConfig.llama(hidden, mlp, layers, heads, kvHeads, vocab, seq, false);
        double peak = Bench.matmulPeakGflops(1024, 10);
        System.out.printf("engine %s, %d threads; fp32 matmul peak (1024^3): %.1f GFLOP/s%n", Engine.version(), Engine.threads(), peak);
        double fwdFlops = forwardFlopsPerToken(cfg) * batch * seq;
        try (CausalLm model = CausalLm.random(cfg, common.seed, DType.F32)) {
            Random rnd = new Random(common.seed);
            int[][] rows = new int[batch][seq + 1];
            for (int[] r : rows) for (int j = 0; j < r.length; j++) r[j] = rnd.nextInt(vocab);
            TokenBatch tb = TokenBatch.causal(rows);
            double fwd = median(reps, () -> {
                try (StepScope s = Engine.openScope(model.store())) { model.forward(s.tokens(tb.inputs())).sum().item(); }
            });
            report("forward", fwd, fwdFlops, peak);
            LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 8, 16, 0.0, 1));
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                double train = median(reps, () -> TrainStep.run(ad, opt, List.of(tb), 1e-4));
                // backward through frozen weights costs one more forward's worth of matmuls (input grads only)
                report("LoRA fwd+bwd", train, 2 * fwdFlops, peak);
                if (steps > 0) rssRun(ad, opt, tb);
            }
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

    private void report(String what, double secs, double flops, double peak) {
        double rate = flops / secs / 1e9;
        System.out.printf("%-14s %8.3f s/step  %9.0f tokens/s  %7.1f GFLOP/s  %5.1f%% of peak%n",
                what, secs, (double) batch * seq / secs, rate, 100 * rate / peak);
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

    /** Matmul FLOPs per token of a forward pass: 2 per multiply-accumulate, attention over the full window. */
    static double forwardFlopsPerToken(ModelConfig c) { return 2.0 * ModelCost.of(c, c.maxSeqLen(), 4).macsPerToken(); }
}
