package dev.shear.cli;

import dev.shear.model.ModelConfig;
import dev.shear.pipeline.MemoryBench;
import dev.shear.plan.MemoryEstimate;
import dev.shear.plan.MemoryPlanner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The memory benchmark ({@link MemoryBench}): peak resident memory after each stage of one run, the
 * planner's prediction with its terms, and a RESULT row for the tables.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Measured peak RSS (VmHWM) of loading, a forward pass or a LoRA step, against the memory planner. One configuration per run.")
final class BenchMemoryCommand implements Runnable {
    @Mixin CommonOptions common;
    @Mixin ModelChoice choice;
    @Mixin ModelOptions modelOptions;
    @Option(names = "--phase", defaultValue = "lora", paramLabel = "baseline|load|forward|lora",
            description = "baseline: engine only; load: build the model; forward: evaluation forward and loss; lora: LoRA training steps (default: ${DEFAULT-VALUE}).")
    String phase;
    @Option(names = "--batch", defaultValue = "1") int batch;
    @Option(names = "--seq", defaultValue = "128") int seq;
    @Option(names = "--steps", defaultValue = "3", description = "Forward passes or training steps (default: ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--lora-rank", defaultValue = "8") int rank;
    @Option(names = "--whole-load", description = "Load the whole model onto the heap first (the non-streaming path), to compare.")
    boolean wholeLoad;
    @Option(names = "--save-random", paramLabel = "DIR",
            description = "Write random weights of --config as a sharded fp32 Hugging Face folder (for load measurements) and exit.")
    java.nio.file.Path saveRandom;
    @Option(names = "--shard-size", defaultValue = "2GB", description = "Shard size for --save-random (default: ${DEFAULT-VALUE}).")
    String shardSize;

    @Override public void run() {
        common.apply();
        MemoryBench.checkPhase(phase);                          // before the engine starts: a typo should not cost a model load
        if (saveRandom != null) {
            MemoryBench.writeRandom(choice.config(), common.seed, saveRandom, ByteSize.parse(shardSize));
            System.out.println("wrote " + saveRandom);
            return;
        }
        System.out.printf("VmHWM after engine start  %9.1f MiB%n", MemoryBench.engineStart());
        if (phase.equals("baseline")) return;
        ModelConfig cfg = choice.config();
        MemoryBench.Settings s = new MemoryBench.Settings(phase, choice.random() ? null : choice.model, choice.streamed(), modelOptions.options(),
                wholeLoad, batch, seq, steps, rank, common.seed);
        MemoryBench.Result r = MemoryBench.run(cfg, s, l ->
                System.out.printf("VmHWM after load          %9.1f MiB  (%d parameters, base %s)%n", l.peakRssMib(), l.params(), l.dtype()));
        if (!phase.equals("load")) System.out.printf("VmHWM after %-13s %9.1f MiB%n", phase, r.peakRssMib());
        report(r);
    }

    private void report(MemoryBench.Result r) {
        MemoryEstimate e = r.prediction().estimate();
        long predicted = r.prediction().predictedBytes();
        boolean load = phase.equals("load");
        System.out.printf("predicted peak            %9s MiB  (weights %s, lora %s, optimizer %s, activations %s, workspace %s, runtime %s, host %s)%n",
                ByteSize.mib(predicted), ByteSize.mib(e.weights()), ByteSize.mib(e.lora()), ByteSize.mib(e.optimizer()),
                load ? "-" : ByteSize.mib(e.activations()), load ? "-" : ByteSize.mib(e.workspace()),
                ByteSize.mib(load ? MemoryPlanner.CPU_RUNTIME : e.runtime()), ByteSize.mib(e.host()));
        double ratio = r.measuredOverPredicted();
        System.out.printf("measured / predicted      %9.3f%n", ratio);
        System.out.printf(java.util.Locale.ROOT, "RESULT | %s | %s | %s | %d | %d | %.1f | %.1f | %.3f |%n",
                phase, modelOptions.baseDtype(), modelOptions.checkpointActivations ? "on" : "off", batch, seq,
                predicted / (double) (1L << 20), r.peakRssMib(), ratio);
    }
}
