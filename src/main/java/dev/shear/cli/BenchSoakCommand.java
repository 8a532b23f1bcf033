package dev.shear.cli;

import dev.shear.data.Batches;
import dev.shear.data.Corpus;
import dev.shear.engine.Bench;
import dev.shear.engine.Engine;
import dev.shear.engine.Progress;
import dev.shear.io.AtomicFiles;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.pipeline.DefaultData;
import dev.shear.pipeline.FileCheckpointer;
import dev.shear.pipeline.LoadedLm;
import dev.shear.pipeline.SoakVerdict;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.LrSchedule;
import dev.shear.train.SlowSteps;
import dev.shear.train.TrainingLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A long LoRA training run through the real training loop (checkpoints, NaN guard, slow-step check)
 * on TinyStories, sampling resident memory and step time, then judging whether memory stayed flat.
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
        if (steps < 3 * every) throw new IllegalArgumentException("--steps " + steps + " must be at least 3 x --every " + every);
        Path ckptDir;
        try {
            ckptDir = Files.createTempDirectory("shear-soak");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary checkpoint folder (" + e.getMessage() + ")");
        }
        try (LoadedLm lm = LoadedLm.open(model, null)) {
            List<Corpus> train = List.of(Corpus.load(DefaultData.tinyTrain(), lm.tokenizer(), 0));
            LoraAdapters ad = LoraAdapters.insert(lm.model(), LoraConfig.paperDefaults(common.seed));
            System.out.printf("soak: %s, LoRA rank 8, batch %d x %d tokens, %d steps, checkpoint every %d; engine %s, %d threads%n",
                    lm.path().getFileName(), batch, seq, steps, checkpointEvery, Engine.version(), Engine.threads());
            System.out.println();
            System.out.println("| step | RSS MiB | Java heap committed MiB | mean step s | max step s | mean loss |");
            System.out.println("|---:|---:|---:|---:|---:|---:|");
            Sampler sampler = new Sampler();
            TrainingLoop.Summary sum;
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                TrainingLoop.Settings ts = new TrainingLoop.Settings(steps, new LrSchedule(lr, 100, steps, 0.1),
                        checkpointEvery, common.seed, 3);
                sum = TrainingLoop.run(ad, opt, ts, Batches.uniform(train, batch, seq, common.seed), TrainingLoop.NO_HOOK,
                        sampler, new FileCheckpointer(ckptDir, 2));
            }
            ad.discard();
            System.out.println();
            long skipped = sum.events().stream().filter(e -> e.kind().equals("nonfinite")).count();
            long slow = sum.events().stream().filter(e -> e.kind().equals("slow")).count();
            System.out.printf("%d steps in %.0f s; %d non-finite steps skipped; %d steps slower than %.0fx the median%n",
                    steps, sum.seconds(), skipped, slow, SlowSteps.FACTOR);
            for (TrainingLoop.Event e : sum.events()) System.out.println("  step " + e.step() + " " + e.kind() + ": " + e.detail());
            System.out.printf("peak RSS %.1f MiB%n", Bench.peakRssMib());
            // the first sample (step 1) holds warm-up allocations; the verdict is over the steady samples
            SoakVerdict v = SoakVerdict.of(sampler.steps.stream().skip(1).mapToLong(Long::longValue).toArray(),
                    sampler.rss.stream().skip(1).mapToDouble(Double::doubleValue).toArray());
            System.out.println(v.describe());
        } finally {
            AtomicFiles.deleteTree(ckptDir);
        }
    }

    /**
     * Prints a table row at step 1 and every `every` steps: RSS and the committed Java heap now (to tell
     * native growth from the heap expanding), step times and loss since the last row.
     */
    private final class Sampler implements Progress {
        final List<Long> steps = new ArrayList<>();
        final List<Double> rss = new ArrayList<>();
        long last = System.nanoTime();
        double sumSecs, maxSecs, sumLoss;
        int n;

        @Override public void step(long done, long total) {}

        @Override public void trained(long step, long total, double loss, long tokens) {
            long now = System.nanoTime();
            double secs = (now - last) / 1e9;
            last = now;
            sumSecs += secs;
            maxSecs = Math.max(maxSecs, secs);
            sumLoss += loss;
            n++;
            if (step != 1 && step % every != 0) return;
            double mib = Bench.rssMib();
            steps.add(step);
            rss.add(mib);
            System.out.printf("| %d | %.1f | %.1f | %.3f | %.3f | %.3f |%n", step, mib, Runtime.getRuntime().totalMemory() / 1048576.0,
                    sumSecs / n, maxSecs, sumLoss / n);
            System.out.flush();
            sumSecs = maxSecs = sumLoss = 0;
            n = 0;
        }
    }
}
