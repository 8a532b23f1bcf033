package dev.shear.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shear.engine.Bench;
import dev.shear.io.ShearJson;
import dev.shear.model.ModelConfig;
import dev.shear.pipeline.StepBench;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The step benchmark ({@link StepBench}), by default on a random 4-layer, 512-wide model, as a table or
 * as JSON lines. bench/torch_ref.py times the same steps in PyTorch and bench/compare.sh runs the two side by side.
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
            description = "Any of forward, lora, lhspg (LHSPG paper-mode update with all of layer 0's structures active), "
                    + "kda (one knowledge distribution analysis probing the whole model, then each layer's suffix from a cached prefix).")
    List<String> phases;
    @Option(names = "--json", description = "One JSON object per line (for bench/compare.sh).") boolean json;

    @Override public void run() {
        common.apply();
        StepBench.Settings s = new StepBench.Settings(batch, seq, reps, json ? 0 : steps, phases, common.seed);
        var lm = StepBench.model(model, config, () -> ModelConfig.llama(hidden, mlp, layers, heads, kvHeads, vocab, seq, false), common.seed);
        StepBench.Result r = StepBench.run(lm, s, new StepBench.Listener() {
            StepBench.Setup setup;
            boolean rssHeader;

            @Override public void setup(StepBench.Setup su) {
                setup = su;
                printSetup(su);
            }

            @Override public void phase(StepBench.PhaseTime t) { report(t, setup.matmulPeakGflops(), s.tokens()); }

            @Override public void rssSample(StepBench.RssSample x) {
                if (!rssHeader) System.out.println("step    RSS MiB   step s");
                rssHeader = true;
                System.out.printf("%5d  %8.1f  %7.3f%n", x.step(), x.rssMib(), x.stepSeconds());
            }
        });
        if (json) line(Map.of("impl", "shear", "event", "done", "rss_peak_mib", Bench.peakRssMib()));
    }

    private void printSetup(StepBench.Setup su) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("impl", "shear");
            m.put("event", "setup");
            m.put("engine", su.engine());
            m.put("threads", su.threads());
            m.put("params", su.params());
            m.put("batch", batch);
            m.put("seq", seq);
            m.put("matmul_peak_gflops", su.matmulPeakGflops());
            m.put("mkl_amd_shim", su.mklAmdShim());
            m.put("mkl_cbwr", System.getenv("MKL_CBWR"));
            line(m);
        } else {
            System.out.printf("engine %s, %d threads%s; fp32 matmul peak (1024^3): %.1f GFLOP/s; %d parameters%n",
                    su.engine(), su.threads(), su.mklAmdShim() ? ", MKL AMD shim" : "", su.matmulPeakGflops(), su.params());
        }
    }

    private void report(StepBench.PhaseTime t, double peak, long tokens) {
        double secs = t.secondsPerStep(), flops = t.flops();
        double rate = flops / secs / 1e9;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("impl", "shear");
            m.put("phase", t.phase());
            m.put("s_per_step", secs);
            m.put("tokens_per_s", flops > 0 ? tokens / secs : null);
            m.put("gflops", flops > 0 ? rate : null);
            m.put("of_peak", flops > 0 ? rate / peak : null);
            m.put("matmul_peak_gflops", peak);
            m.put("rss_peak_mib", t.peakRssMib());
            m.putAll(t.extra());
            line(m);
        } else if (flops > 0) {
            System.out.printf("%-14s %8.3f s/step  %9.0f tokens/s  %7.1f GFLOP/s  %5.1f%% of peak%n", t.phase(), secs, tokens / secs, rate, 100 * rate / peak);
        } else if (t.phase().equals("kda")) {
            System.out.printf("%-14s %8.3f s with each layer's prefix cached, %.3f s probing the whole model (%.2fx), %s probes, same curves: %s%n",
                    t.phase(), secs, t.extra().get("whole_model_s"), t.extra().get("speedup"), t.extra().get("probes"), t.extra().get("same_curves"));
        } else {
            System.out.printf("%-14s %8.3f s/step%n", t.phase(), secs);
        }
    }

    private static void line(Map<String, Object> m) {
        try {
            System.out.println(ShearJson.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
