package dev.shear.cli;

import dev.shear.engine.Engine;
import dev.shear.pipeline.LoadedLm;
import dev.shear.pipeline.SoakBench;
import dev.shear.train.SlowSteps;
import dev.shear.train.TrainingLoop;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The soak benchmark ({@link SoakBench}): a long LoRA training run, printed as a table of resident
 * memory and step time, then the verdict on whether memory stayed flat.
 */
@Command(name = "soak", description = "Long LoRA training run: RSS and step time every N steps, and whether RSS stays in a flat band.",
        mixinStandardHelpOptions = true)
final class BenchSoakCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--model", description = "Model file or folder (default: stories260K).") Path model;
    @Option(names = "--steps", defaultValue = "3000") int steps;
    @Option(names = "--every", defaultValue = "100", description = "Steps between samples (default: ${DEFAULT-VALUE}).") int every;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--seq", defaultValue = "128") int seq;
    @Option(names = "--lr", defaultValue = "1e-3") double lr;
    @Option(names = "--checkpoint-every", defaultValue = "500",
            description = "Checkpoint interval, written to a temporary folder and deleted at the end (0: none).") int checkpointEvery;

    @Override public void run() {
        common.apply();
        SoakBench.Settings s = new SoakBench.Settings(steps, every, batch, seq, lr, checkpointEvery, common.seed);
        try (LoadedLm lm = LoadedLm.open(model, null)) {
            System.out.printf("soak: %s, LoRA rank 8, batch %d x %d tokens, %d steps, checkpoint every %d; engine %s, %d threads%n",
                    lm.path().getFileName(), batch, seq, steps, checkpointEvery, Engine.version(), Engine.threads());
            System.out.println();
            System.out.println("| step | RSS MiB | Java heap committed MiB | mean step s | max step s | mean loss |");
            System.out.println("|---:|---:|---:|---:|---:|---:|");
            SoakBench.Result r = SoakBench.run(lm, s, row -> {
                System.out.printf("| %d | %.1f | %.1f | %.3f | %.3f | %.3f |%n", row.step(), row.rssMib(), row.heapMib(),
                        row.meanStepSeconds(), row.maxStepSeconds(), row.meanLoss());
                System.out.flush();
            });
            System.out.println();
            List<TrainingLoop.Event> events = r.summary().events();
            System.out.printf("%d steps in %.0f s; %d non-finite steps skipped; %d steps slower than %.0fx the median%n", steps,
                    r.summary().seconds(), events.stream().filter(e -> e.kind().equals("nonfinite")).count(),
                    events.stream().filter(e -> e.kind().equals("slow")).count(), SlowSteps.FACTOR);
            for (TrainingLoop.Event e : events) System.out.println("  step " + e.step() + " " + e.kind() + ": " + e.detail());
            System.out.printf("peak RSS %.1f MiB%n", r.peakRssMib());
            System.out.println(r.verdict().describe());
        }
    }
}
