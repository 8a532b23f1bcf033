package dev.shear.pipeline;

import dev.shear.data.Batches;
import dev.shear.data.Corpus;
import dev.shear.engine.Bench;
import dev.shear.engine.Progress;
import dev.shear.io.AtomicFiles;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.LrSchedule;
import dev.shear.train.TrainingLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A long LoRA training run through the real training loop (checkpoints, NaN guard, slow-step check)
 * on TinyStories, sampling resident memory and step time, then judging whether memory stayed flat.
 */
public final class SoakBench {
    private SoakBench() {}

    /** @param checkpointEvery checkpoint interval, written to a temporary folder deleted at the end (0: none) */
    public record Settings(int steps, int every, int batch, int seq, double lr, int checkpointEvery, long seed) {
        public Settings {
            if (every < 1 || steps < 3 * every) throw new IllegalArgumentException("--steps " + steps + " must be at least 3 x --every " + every);
        }
    }

    /** One row of the soak table, at step 1 and every {@code every} steps: RSS and committed heap now, step times and loss since the last row. */
    public record Sample(long step, double rssMib, double heapMib, double meanStepSeconds, double maxStepSeconds, double meanLoss) {}

    /** @param verdict over the samples after the first (which holds warm-up allocations) */
    public record Result(TrainingLoop.Summary summary, List<Sample> samples, SoakVerdict verdict, double peakRssMib) {}

    /** Trains LoRA (the paper's pruning-time adapters) on TinyStories lines below 2700; each sample goes to {@code rows} as it is taken. */
    public static Result run(LoadedLm lm, Settings s, Consumer<Sample> rows) {
        Path ckptDir;
        try {
            ckptDir = Files.createTempDirectory("shear-soak");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary checkpoint folder (" + e.getMessage() + ")");
        }
        try {
            List<Corpus> train = List.of(Corpus.load(DefaultData.tinyTrain(), lm.tokenizer(), 0));
            LoraAdapters ad = LoraAdapters.insert(lm.model(), LoraConfig.paperDefaults(s.seed()));
            Sampler sampler = new Sampler(s.every(), rows);
            TrainingLoop.Summary sum;
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                TrainingLoop.Settings ts = new TrainingLoop.Settings(s.steps(), new LrSchedule(s.lr(), 100, s.steps(), 0.1), s.checkpointEvery(), s.seed(), 3);
                sum = TrainingLoop.run(ad, opt, ts, Batches.uniform(train, s.batch(), s.seq(), s.seed()), TrainingLoop.NO_HOOK, sampler,
                        new FileCheckpointer(ckptDir, 2));
            }
            ad.discard();
            List<Sample> steady = sampler.samples.subList(1, sampler.samples.size());
            SoakVerdict v = SoakVerdict.of(steady.stream().mapToLong(Sample::step).toArray(), steady.stream().mapToDouble(Sample::rssMib).toArray());
            return new Result(sum, List.copyOf(sampler.samples), v, Bench.peakRssMib());
        } finally {
            AtomicFiles.deleteTree(ckptDir);
        }
    }

    /** Takes a sample at step 1 and every {@code every} steps, timing each step in between. */
    private static final class Sampler implements Progress {
        final List<Sample> samples = new ArrayList<>();
        final int every;
        final Consumer<Sample> rows;
        long last = System.nanoTime();
        double sumSecs, maxSecs, sumLoss;
        int n;

        Sampler(int every, Consumer<Sample> rows) {
            this.every = every;
            this.rows = rows;
        }

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
            Sample sample = new Sample(step, Bench.rssMib(), Runtime.getRuntime().totalMemory() / 1048576.0, sumSecs / n, maxSecs, sumLoss / n);
            samples.add(sample);
            rows.accept(sample);
            sumSecs = maxSecs = sumLoss = 0;
            n = 0;
        }
    }
}
