package dev.shear.pipeline;

import dev.shear.data.BatchSource;
import dev.shear.data.Batches;
import dev.shear.data.Corpus;
import dev.shear.distributed.ValidationProbe;
import dev.shear.engine.Progress;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.WidthAlignment;
import dev.shear.prune.Allocation;
import dev.shear.prune.KdaSettings;
import dev.shear.prune.KnowledgeDistribution;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneRun;
import dev.shear.prune.PruneSettings;
import dev.shear.prune.PruneTarget;
import dev.shear.recover.DynamicRecovery;
import dev.shear.recover.RecoverySettings;
import dev.shear.train.AdamW;
import dev.shear.train.Checkpointer;
import dev.shear.train.DistillSettings;
import dev.shear.train.Distillation;
import dev.shear.train.LrSchedule;
import dev.shear.train.ModelTeacher;
import dev.shear.train.Teacher;
import dev.shear.train.TeacherCache;
import dev.shear.train.TrainLoss;
import dev.shear.train.TrainingLoop;
import dev.shear.train.TrainingSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The converged-budget protocol of docs/results.md: every method prunes and recovers within one fixed
 * number of LoRA steps (pruning-time steps included) under one learning-rate schedule and one data
 * stream (step g of every run reads the same batch of TinyStories lines [0, 2700)), each peer with its
 * own allocation and no KDA protection, beside the dense model given the same LoRA budget. Tuning
 * reads only lines [2700, 3000); the rows score lines 3000 onwards. Rows append to a JSONL file as
 * they finish and rows already there are skipped, so a stopped grid resumes.
 */
public final class ConvergedBench {
    /**
     * @param steps      LoRA steps in all, pruning-time steps included
     * @param lrWarmup   linear warm-up of the shared schedule; cosine to {@code lrMin} × peak after it
     * @param lhspg      LHSPG's schedule for the progressive methods (its steps come out of {@code steps})
     * @param kda        the KDA that methods allocating by it run (peers run none)
     * @param rounds     recovery in this many rounds, each with fresh LoRA merged at its end; the schedule runs on
     * @param mixture    recover on the four-source mixture with dynamic weights instead of TinyStories
     * @param control    also the dense model given the same LoRA budget
     * @param label      written in the rows instead of the method's name (one method only); null for the name
     */
    public record Protocol(List<Method> methods, List<Double> ratios, List<Long> seeds, int steps, int batch, int seq, double lr,
                           int lrWarmup, double lrMin, double clip, LoraConfig lora, LhspgSchedule lhspg, KdaSettings kda,
                           DistillSettings distill, int rounds, int calibBatches, boolean mixture, boolean control, String label)
            implements java.io.Serializable {
        public Protocol {
            methods = List.copyOf(methods);
            ratios = List.copyOf(ratios);
            seeds = List.copyOf(seeds);
            Objects.requireNonNull(lora, "lora");
            Objects.requireNonNull(lhspg, "lhspg");
            Objects.requireNonNull(kda, "kda");
            Objects.requireNonNull(distill, "distill");
            if (label != null && methods.size() != 1) throw new IllegalArgumentException("--label needs exactly one --methods entry");
            if (steps < 1 || batch < 1 || seq < 2 || rounds < 1) throw new IllegalArgumentException("converged protocol: steps, batch, seq and rounds must be positive");
            if (lhspg.trainSteps() >= steps) throw new IllegalArgumentException("converged protocol: LHSPG's " + lhspg.trainSteps() + " steps leave no recovery in " + steps);
        }

        /**
         * The protocol as measured in docs/results.md: 1100 steps of 16 x 128 tokens, LoRA r 8 / alpha 16 on all
         * seven projections without dropout, AdamW lr 1e-3 with 20 warm-up steps then cosine to 0.1x, clip 1;
         * LHSPG T_w 30, P 4, T_p 10; KDA at 0.25/0.5/0.75 without protection; distillation alpha 0.5, T 1
         * from the dense model for every method; recovery in 4 rounds.
         */
        public static Protocol converged(List<Method> methods, List<Double> ratios, List<Long> seeds) {
            return new Protocol(methods, ratios, seeds, 1100, 16, 128, 1e-3, 20, 0.1, 1.0,
                    new LoraConfig(List.of("q", "k", "v", "o", "gate", "up", "down"), 8, 16, 0.0, 0),
                    LhspgSchedule.of(30, 4, 10), new KdaSettings(List.of(0.25, 0.5, 0.75), 0.0),
                    new DistillSettings(0.5, 1.0, null), 4, 4, false, true, null);
        }

        public Protocol withSteps(int v) { return new Protocol(methods, ratios, seeds, v, batch, seq, lr, lrWarmup, lrMin, clip, lora, lhspg, kda, distill, rounds, calibBatches, mixture, control, label); }

        public Protocol withDistill(DistillSettings v) { return new Protocol(methods, ratios, seeds, steps, batch, seq, lr, lrWarmup, lrMin, clip, lora, lhspg, kda, v, rounds, calibBatches, mixture, control, label); }

        public Protocol withRounds(int v) { return new Protocol(methods, ratios, seeds, steps, batch, seq, lr, lrWarmup, lrMin, clip, lora, lhspg, kda, distill, v, calibBatches, mixture, control, label); }

        public Protocol withLhspg(LhspgSchedule v) { return new Protocol(methods, ratios, seeds, steps, batch, seq, lr, lrWarmup, lrMin, clip, lora, v, kda, distill, rounds, calibBatches, mixture, control, label); }

        public Protocol withKda(KdaSettings v) { return new Protocol(methods, ratios, seeds, steps, batch, seq, lr, lrWarmup, lrMin, clip, lora, lhspg, v, distill, rounds, calibBatches, mixture, control, label); }

        public Protocol withMixture(boolean v) { return new Protocol(methods, ratios, seeds, steps, batch, seq, lr, lrWarmup, lrMin, clip, lora, lhspg, kda, distill, rounds, calibBatches, v, control, label); }

        public Protocol withControl(boolean v) { return new Protocol(methods, ratios, seeds, steps, batch, seq, lr, lrWarmup, lrMin, clip, lora, lhspg, kda, distill, rounds, calibBatches, mixture, v, label); }

        public Protocol withLabel(String v) { return new Protocol(methods, ratios, seeds, steps, batch, seq, lr, lrWarmup, lrMin, clip, lora, lhspg, kda, distill, rounds, calibBatches, mixture, control, v); }

        LrSchedule schedule() { return new LrSchedule(lr, lrWarmup, steps, lrMin); }

        TrainingSettings training(long seed) {
            return new TrainingSettings(lr, batch, seq, 0, lora.withSeed(seed), clip, distill);
        }
    }

    private final Protocol p;
    private final QualityBench bench;
    private final Corpus train;
    private final List<int[]> validation;
    private Path teacherCache;

    public ConvergedBench(Protocol p, QualityBench bench) {
        this.p = p;
        this.bench = bench;
        this.train = Corpus.load(DefaultData.tinyTrain(), bench.tok, 0);
        this.validation = Corpus.load(DefaultData.tinyValidation(), bench.tok, 0).train();
    }

    /**
     * Distil from top-k teacher logits computed once per seed and kept on disk in this folder (every
     * method and ratio of a seed reads the same steps), instead of a teacher model beside the student.
     * Needs a top-k in the distillation settings; the rows record the teacher mass the k tokens keep.
     */
    public ConvergedBench withTeacherCache(Path dir) {
        if (dir != null && p.distill().enabled() && p.distill().topK() == null)
            throw new IllegalArgumentException("--teacher-cache needs a top-k: --distill ...,k=K");
        this.teacherCache = dir;
        return this;
    }

    /** The teacher of this seed: the dense model in memory, or its cached top-k logits. */
    private Teacher teacher(CausalLm dense, long seed) {
        if (!p.distill().enabled()) return null;
        if (teacherCache == null) return new ModelTeacher(dense, p.distill().topK());
        Path file = cacheFile(seed);
        return java.nio.file.Files.exists(file) ? TeacherCache.open(file)
                : TeacherCache.write(file, dense, data(seed), 0, p.steps(), p.distill().topK(), step -> { });
    }

    /** Where the top-k teacher logits of a seed are kept: every method and ratio of the seed reads the same steps. */
    private Path cacheFile(long seed) {
        return teacherCache.resolve("seed-" + seed + "-k" + p.distill().topK() + "-steps" + p.steps() + ".shkd");
    }

    /** The teacher seen from a run whose step 0 is step {@code at} of the shared stream. */
    private static Teacher shifted(Teacher t, long at) {
        return t == null || at == 0 ? t : (s, step, m, mb) -> t.targets(s, step + at, m, mb);
    }

    private static void close(Teacher t) {
        if (t instanceof TeacherCache c) c.close();
    }

    private Map<String, Object> teacherFields(Teacher t) {
        return t instanceof TeacherCache c ? QualityBench.key("teacher", "cache", "teacher_topk_mass", c.topKMass())
                : QualityBench.key("teacher", t == null ? "none" : "memory");
    }

    /** One row of the grid: a method at a ratio and seed, or the dense+LoRA control of a seed ({@code method} null). */
    public record Cell(Method method, double ratio, long seed) implements java.io.Serializable {
        static Cell control(long seed) { return new Cell(null, 0.0, seed); }
    }

    /** The grid in the order {@link #run()} measures it. */
    public List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        for (long seed : p.seeds()) {
            if (p.control()) cells.add(Cell.control(seed));
            for (double ratio : p.ratios()) for (Method m : p.methods()) cells.add(new Cell(m, ratio, seed));
        }
        return cells;
    }

    /** The fields that name the cell's row: a method's LHSPG schedule and the recovery rounds too, so a run with others is not taken for it. */
    private Map<String, Object> key(Cell c) {
        if (c.method() == null) return key("dense+lora", 0.0, c.seed(), List.of());
        List<Integer> lhspg = c.method().strategy().progressive() ? List.of(p.lhspg().warmup(), p.lhspg().periods(), p.lhspg().periodLength()) : List.of();
        return key(p.label() != null ? p.label() : c.method().cliName(), c.ratio(), c.seed(), lhspg);
    }

    public boolean done(Cell c) { return bench.done(key(c)); }

    public void run() {
        for (Cell c : cells()) run(c);
    }

    /** Measures one cell unless its row is already saved. */
    public void run(Cell c) {
        if (c.method() == null) control(c.seed());
        else cell(c.method(), c.ratio(), c.seed());
    }

    /**
     * Writes the teacher cache of every seed that has none yet, so that cells running in parallel on a
     * cluster only read it. Nothing to do without a cache folder.
     */
    public void prepareTeacherCache() {
        if (teacherCache == null || !p.distill().enabled()) return;
        for (long seed : p.seeds()) {
            if (java.nio.file.Files.exists(cacheFile(seed))) continue;                        // no model copy for a cache already there
            try (CausalLm dense = bench.fresh()) {
                close(teacher(dense, seed));
            }
        }
    }

    /** The fields that name a row: a grid may hold rows of several budgets, data sets and distillations. */
    static final List<String> KEY = List.of("protocol", "method", "ratio", "seed", "steps", "distill", "lhspg", "recovery_rounds");

    private Map<String, Object> key(String method, double ratio, long seed, List<Integer> lhspg) {
        List<Object> values = List.of(p.mixture() ? "converged-mixture" : "converged", method, ratio, seed, p.steps(), p.distill().toString(), lhspg, p.rounds());
        Map<String, Object> key = new java.util.LinkedHashMap<>();
        for (int i = 0; i < KEY.size(); i++) key.put(KEY.get(i), values.get(i));
        return key;
    }

    /** Step g of every run reads the same batch; negative g are calibration draws. */
    private BatchSource data(long seed) { return Batches.uniform(List.of(train), p.batch(), p.seq(), seed); }

    private void control(long seed) {
        Map<String, Object> key = key(Cell.control(seed));
        if (bench.done(key)) return;
        long t0 = System.nanoTime();
        try (CausalLm dense = bench.fresh(); CausalLm original = bench.fresh()) {
            Teacher teacher = teacher(original, seed);
            try {
                recover(dense, teacher, seed, 0);
                Map<String, Object> extra = QualityBench.key("recover_seconds", (System.nanoTime() - t0) / 1e9);
                extra.putAll(teacherFields(teacher));
                bench.save(bench.measure(key, dense, extra));
            } finally {
                close(teacher);
            }
        }
    }

    /** The settings a method runs with here: its own allocation; KDA only for the methods whose own allocation reads it. */
    static PruneSettings settings(Protocol p, Method m, double ratio, long seed) {
        boolean usesKda = m.strategy().autoAllocation(true) == Allocation.KDA;
        PruneSettings d = PipelineConfig.defaults().prune().settings();
        return d.withMethod(m).withRatio(ratio).withAllocation(Allocation.AUTO).withAlign(WidthAlignment.NONE)
                .withCalibBatches(p.calibBatches()).withSchedule(p.lhspg().withLrShape(LhspgSchedule.LrShape.COSINE))
                .withTraining(p.training(seed)).withKda(usesKda ? p.kda() : KdaSettings.NONE).withSeed(seed);
    }

    private void cell(Method m, double ratio, long seed) {
        Map<String, Object> key = key(new Cell(m, ratio, seed));
        if (bench.done(key)) return;
        PruneSettings s = settings(p, m, ratio, seed);
        KnowledgeDistribution.Probe probe = new ValidationProbe(validation, 512, 16);
        try (CausalLm model = bench.fresh(); CausalLm original = bench.fresh()) {
            Teacher teacher = teacher(original, seed);
            try {
                cell(m, s, seed, key, model, probe, teacher);
            } finally {
                close(teacher);
            }
        }
    }

    private void cell(Method m, PruneSettings s, long seed, Map<String, Object> key, CausalLm model, KnowledgeDistribution.Probe probe,
                      Teacher teacher) {
        long t0 = System.nanoTime();
        PruneTarget target = PruneTarget.trace(model, s.training().lora());
        PruneRun.Context ctx = PruneRun.Context.of(data(seed), probe).withSharedSchedule(p.schedule()).withTeacher(teacher);
        PruneRun.Outcome o = PruneRun.run(target, s, ctx);
        double pruneSeconds = (System.nanoTime() - t0) / 1e9;
        try (CausalLm c = o.compact()) {
            int used = o.result().trainSteps();
            long t1 = System.nanoTime();
            recover(c, teacher, seed, used);
            Map<String, Object> extra = QualityBench.key("prune_steps", used, "allocation", o.result().allocation(),
                    "kda", s.kda().ratios(), "gamma_u", s.kda().gammaU(),
                    "prune_seconds", pruneSeconds, "recover_seconds", (System.nanoTime() - t1) / 1e9,
                    "kv_heads", c.config().layers().stream().map(LayerWidths::numKvHeads).toList(),
                    "mlp", c.config().layers().stream().map(LayerWidths::intermediateSize).toList());
            extra.putAll(teacherFields(teacher));
            bench.save(bench.measure(key, c, extra));
        }
    }

    /**
     * The steps after {@code used} of the shared schedule and data stream, in rounds of fresh LoRA each
     * merged at its end; or, for the mixture table, dynamic recovery on the four sources in as many rounds.
     */
    private void recover(CausalLm model, Teacher teacher, long seed, int used) {
        int n = p.steps() - used;
        TrainingSettings t = p.training(seed);
        if (p.mixture()) {
            if (teacher instanceof TeacherCache) throw new IllegalArgumentException("--teacher-cache follows TinyStories' step stream; the mixture table needs the teacher in memory");
            RecoverySettings rs = QualityBench.recovery(p.rounds(), Math.max(1, n / p.rounds()), p.batch(), p.seq(), p.lr(), seed, true)
                    .withTraining(t).withWarmupSteps(p.lrWarmup());
            DynamicRecovery.run(model, bench.recoverySources, bench.referencePpl, rs, DynamicRecovery.RoundStore.NONE, Progress.NONE, teacher);
            return;
        }
        BatchSource all = data(seed);
        int done = 0;
        for (int r = 0; r < p.rounds() && done < n; r++) {
            int len = (int) ((long) (r + 1) * n / p.rounds() - (long) r * n / p.rounds()), at = used + done;
            TrainLoss loss = Distillation.loss(p.distill(), shifted(teacher, at));
            LoraAdapters ad = LoraAdapters.insert(model, t.lora().withSeed(seed + 1000 + r));
            try (AdamW opt = new AdamW(ad.trainable(), t.adamw(), ad.store())) {
                TrainingLoop.Settings ts = new TrainingLoop.Settings(len, p.schedule().after(at), 0, seed + 1000 + r, 3, loss);
                TrainingLoop.run(ad, opt, ts, k -> all.batches(at + k), TrainingLoop.NO_HOOK, Progress.NONE, Checkpointer.NONE);
            } finally {
                ad.close();
            }
            done += len;
        }
    }

    /** Where the converged rows go by default. */
    public static Path defaultOut(boolean mixture) {
        return Path.of(mixture ? "docs/results/quality-converged-mixture.jsonl" : "docs/results/quality-converged.jsonl");
    }
}
