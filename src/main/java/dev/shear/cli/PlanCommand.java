package dev.shear.cli;

import dev.shear.engine.DType;
import dev.shear.lora.LoraConfig;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.plan.MemoryEstimate;
import dev.shear.plan.MemoryPlanner;
import dev.shear.plan.Phase;
import dev.shear.plan.Stage;
import dev.shear.plan.Workload;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Predicted peak memory of a stage, for each base precision and checkpointing choice, against a memory budget. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Predict the peak memory of a stage (weights, LoRA, optimizer state, activations, workspace) "
                + "for fp32/fp16 bases with and without activation checkpointing, and whether it fits the device.")
final class PlanCommand implements Runnable {
    @Mixin CommonOptions common;
    @Mixin ModelChoice choice;
    @Option(names = "--stage", required = true, paramLabel = "prune|recover|eval") String stage;
    @Option(names = "--batch", defaultValue = "8", description = "Sequences per micro-batch (default: ${DEFAULT-VALUE}).") int batch;
    @Option(names = "--seq", defaultValue = "256", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).") int seq;
    @Option(names = "--lora-rank", defaultValue = "8") int rank;
    @Option(names = "--device-memory", paramLabel = "SIZE",
            description = "Memory of the device, e.g. 80GB (binary units); default: 80GB for cuda, this machine's RAM for cpu.")
    String deviceMemory;

    @Override public void run() {
        ModelConfig cfg = choice.config();
        boolean gpu = common.validate().isGpu();            // planning a GPU run needs no GPU: no apply()
        long budget = deviceMemory != null ? ByteSize.parse(deviceMemory) : gpu ? 80L << 30 : physicalMemory();
        Stage st = Stage.parse(stage);
        System.out.println(header(cfg, st, gpu, budget));
        for (Phase p : st.phases()) printPhase(cfg, p, gpu, budget);
        System.out.println("GiB, binary units. activations: kept from the forward until the step ends; workspace: transient at the peak"
                + (gpu ? "; runtime on a GPU is assumed (CUDA context, kernels, allocator slack), not measured." : "."));
        System.out.println(gpu ? "host: Java heap beside the device (weight copies for scoring, loader map); -Xmx must cover it (SHEAR_JAVA_OPTS)."
                : "On the CPU, host memory (loader map, weight copies for scoring) shares the pool and is included in the peak.");
    }

    private void printPhase(ModelConfig cfg, Phase p, boolean gpu, long budget) {
        LoraConfig lora = p.defaultLora(rank);
        Workload base = new Workload(cfg, p, batch, seq, DType.F32, false, lora, gpu, choice.streamed());
        System.out.printf("%n%s (%s%s)%n", p.label(), p.description(), lora == null ? "" : ", LoRA r" + rank + " dropout 0.05");
        System.out.println("base  ckpt  weights    lora  optim  activations  workspace  runtime  host |   peak  fits");
        for (DType d : List.of(DType.F32, DType.F16)) {
            for (boolean ckpt : List.of(false, true)) {
                MemoryEstimate e = MemoryPlanner.estimate(base.with(d, ckpt));
                long peak = e.devicePeak(gpu);
                System.out.printf(Locale.ROOT, "%-5s %-4s %8s %7s %6s %12s %10s %8s %5s | %6s  %s%n", d == DType.F32 ? "fp32" : "fp16",
                        ckpt ? "on" : "off", ByteSize.gib(e.weights()), ByteSize.gib(e.lora()), ByteSize.gib(e.optimizer()),
                        ByteSize.gib(e.activations()), ByteSize.gib(e.workspace()), ByteSize.gib(e.runtime()), ByteSize.gib(e.host()),
                        ByteSize.gib(peak), peak <= budget ? "yes" : "no");
            }
        }
        largestBatch(base, budget, gpu);
    }

    /** The largest batch that fits with the leanest settings (fp16 base, checkpointing), when the asked one does not. */
    private void largestBatch(Workload w, long budget, boolean gpu) {
        Workload lean = w.with(DType.F16, true);
        if (MemoryPlanner.estimate(lean).devicePeak(gpu) <= budget) return;
        int b = w.batch();
        while (b > 1 && MemoryPlanner.estimate(withBatch(lean, b)).devicePeak(gpu) > budget) b--;
        boolean fits = MemoryPlanner.estimate(withBatch(lean, b)).devicePeak(gpu) <= budget;
        System.out.println(fits ? "fits with fp16 base and checkpointing at batch " + b + " (use gradient accumulation for the rest)"
                : "does not fit even at batch 1 with fp16 base and checkpointing");
    }

    private static Workload withBatch(Workload w, int b) {
        return new Workload(w.config(), w.phase(), b, w.seq(), w.baseDtype(), w.checkpoint(), w.lora(), w.gpu(), w.streamedLoad());
    }

    private String header(ModelConfig cfg, Stage st, boolean gpu, long budget) {
        long params = 0;
        for (long[] s : dev.shear.model.WeightNames.expectedShapes(cfg).values()) params += dev.shear.engine.HostTensor.numel(s);
        LayerWidths l0 = cfg.layer(0);
        return String.format(Locale.ROOT, "plan: %s, %d layers, hidden %d, %d/%d heads, mlp %d, vocab %d, %.2fB parameters%n"
                        + "stage %s, batch %d x %d tokens, device %s with %s GiB", cfg.architecture(), cfg.numLayers(), cfg.hiddenSize(),
                l0.numHeads(), l0.numKvHeads(), l0.intermediateSize(), cfg.vocabSize(), params / 1e9,
                st.name().toLowerCase(Locale.ROOT), batch, seq, gpu ? common.device().toString() : "cpu", ByteSize.gib(budget));
    }

    private static long physicalMemory() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : 16L << 30;
    }
}
