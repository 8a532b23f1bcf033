package dev.shear.cli;

import dev.shear.data.SourceSpec;
import dev.shear.distributed.ModelRef;
import dev.shear.distributed.Shards;
import dev.shear.io.AtomicFiles;
import dev.shear.model.WidthAlignment;
import dev.shear.pipeline.DefaultData;
import dev.shear.pipeline.FileCheckpointer;
import dev.shear.pipeline.LoadedLm;
import dev.shear.pipeline.PipelineConfig;
import dev.shear.pipeline.Preflight;
import dev.shear.pipeline.PruneJob;
import dev.shear.pipeline.RunFingerprint;
import dev.shear.prune.Allocation;
import dev.shear.prune.KdaSettings;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneRun;
import dev.shear.prune.PruneSettings;
import dev.shear.train.Checkpointer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prune", description = "Structurally prune a model to a parameter ratio and save the compact model.", mixinStandardHelpOptions = true)
final class PruneCommand implements Runnable {
    @Mixin CommonOptions common;
    @Mixin ModelOptions modelOptions;
    @Option(names = "--model", description = "Model path (default: stories260K).") Path model;
    @Option(names = "--tokenizer") Path tokenizer;
    @ConfigKey("prune.ratio")
    @Option(names = "--ratio", description = "Fraction of total parameters to remove (default ${DEFAULT-VALUE}).") double ratio;
    @ConfigKey("prune.method")
    @Option(names = "--method",
            description = "lorashear (best variant), lorashear-paper, lorashear-accumulated, lorashear-activation, reference, lorashear-oneshot, llm-pruner, llm-pruner-vector, wanda-sp, flap, magnitude, random (default ${DEFAULT-VALUE}).") String method;
    @Option(names = "--data", description = "Training/calibration text (.txt lines, .jsonl with a text field), sampled uniformly; default: the recovery mixture (TinyStories lines [0, 2700), Wikipedia, C4, Gutenberg), see --mixture.") List<Path> data;
    @ConfigKey("prune.data")
    @Option(names = "--mixture",
            description = "Without --data: dynamic (the recovery mixture, re-weighted at each LHSPG period by what its removal costs each source), uniform (the same, uniformly) or tinystories (lines below 2700); default ${DEFAULT-VALUE}.") String mixture;
    @ConfigKey("prune.schedule.warmup")
    @Option(names = "--warmup", description = "LHSPG warm-up steps T_w (default ${DEFAULT-VALUE}).") int warmup;
    @ConfigKey("prune.schedule.periods")
    @Option(names = "--periods", description = "LHSPG periods P (default ${DEFAULT-VALUE}).") int periods;
    @ConfigKey("prune.schedule.period_length")
    @Option(names = "--period-length", description = "LHSPG period length T_p (default ${DEFAULT-VALUE}).") int periodLength;
    @ConfigKey("prune.schedule.lr_shape")
    @Option(names = "--lr-shape", description = "LR schedule while pruning: constant (warm up over T_w, then hold) or cosine (default ${DEFAULT-VALUE}).") String lrShape;
    @ConfigKey("prune.schedule.steps")
    @Option(names = "--steps", description = "LoRA steps while pruning, at least warm-up + periods x period length; 0: exactly that (default ${DEFAULT-VALUE}).") int steps;
    @ConfigKey("prune.schedule.epsilon")
    @Option(names = "--epsilon", description = "Half-space projection epsilon (default ${DEFAULT-VALUE}).") double epsilon;
    @ConfigKey("prune.training.lr")
    @Option(names = "--lr", description = "Peak LoRA learning rate (default ${DEFAULT-VALUE}).") double lr;
    @ConfigKey("prune.training.batch")
    @Option(names = "--batch", description = "Sequences per step (default ${DEFAULT-VALUE}).") int batch;
    @ConfigKey("prune.training.seq_len")
    @Option(names = "--seq", description = "Tokens per sequence (default ${DEFAULT-VALUE}).") int seq;
    @ConfigKey("prune.kda.ratios")
    @Option(names = "--kda-ratios", split = ",", description = "KDA ratios; 'none' skips KDA (default ${DEFAULT-VALUE}).") List<String> kdaRatios;
    @ConfigKey("prune.kda.gamma_u")
    @Option(names = "--gamma-u", description = "Fraction of node groups KDA protects (default ${DEFAULT-VALUE}).") double gammaU;
    @ConfigKey("prune.calib_batches")
    @Option(names = "--calib-batches", description = "Calibration batches of the activation and gradient criteria (default ${DEFAULT-VALUE}).") int calibBatches;
    @ConfigKey("prune.training.checkpoint_every")
    @Option(names = "--checkpoint-every", description = "Steps between checkpoints; 0 writes none (default ${DEFAULT-VALUE}).") int checkpointEvery;
    @Option(names = "--resume", description = "Continue from the checkpoints in OUT.ckpt (refused when the settings or inputs changed).") boolean resume;
    @Option(names = "--force", description = "Replace a model already at --out (written beside it, then swapped in) and discard the checkpoints of an unfinished run in OUT.ckpt.")
    boolean force;
    @Option(names = "--distill", description = "Distil from the original model while pruning: alpha=A,t=T,k=K|all (defaults 0.5, 1, all), or off (default).") String distill;
    @ConfigKey("prune.training.clip")
    @Option(names = "--clip", description = "Global gradient-norm clipping of pruning-time LoRA; 0 disables (default ${DEFAULT-VALUE}).") double clip;
    @ConfigKey("prune.allocation")
    @Option(names = "--allocation",
            description = "How the target is spread over the layers: uniform (one ratio for every prunable group), kda (per-layer counts within each cluster from the KDA curves: the layers whose removal costs least give up most) or auto (kda for lorashear, uniform for the other methods); default ${DEFAULT-VALUE}.") String allocation;
    @ConfigKey("prune.align.multiple")
    @Option(names = "--align",
            description = "Round each layer's kept MLP channels to a multiple of this, keeping the highest-scoring channels (default ${DEFAULT-VALUE}: off).") int align;
    @ConfigKey("prune.align.rounding")
    @Option(names = "--align-round", description = "nearest, up or down (with --align; default ${DEFAULT-VALUE}).") String alignRound;
    @Option(names = "--out", required = true, description = "Output model folder (prune-report.json goes inside).") Path out;
    @Mixin ClusterOptions cluster;

    /** The settings these options give: the bundled defaults with every option applied. */
    PruneSettings settings() {
        List<Double> kda = new ArrayList<>();
        if (!(kdaRatios.size() == 1 && kdaRatios.get(0).equals("none"))) for (String r : kdaRatios) kda.add(Choices.option("--kda-ratios", r, Double::parseDouble));
        Allocation a = Choices.parse("--allocation", Allocation.class, allocation);
        if (a == Allocation.KDA && kda.isEmpty()) throw new IllegalArgumentException("--allocation kda needs KDA: drop --kda-ratios none");
        PruneSettings d = PipelineConfig.defaults().prune().settings();
        return d.withMethod(Choices.option("--method", method, Method::parse)).withRatio(ratio).withAllocation(a).withCalibBatches(calibBatches)
                .withAlign(new WidthAlignment(align, Choices.parse("--align-round", WidthAlignment.Rounding.class, alignRound)))
                .withSchedule(new LhspgSchedule(warmup, periods, periodLength, steps, epsilon,
                        Choices.parse("--lr-shape", LhspgSchedule.LrShape.class, lrShape)))
                .withTraining(d.training().withLr(lr).withBatch(batch).withSeqLen(seq).withCheckpointEvery(checkpointEvery)
                        .withLora(d.training().lora().withSeed(common.seed)).withClip(clip)
                        .withDistill(distill == null ? d.training().distill() : Choices.distill("--distill", distill)))
                .withKda(new KdaSettings(kda, gammaU)).withSeed(common.seed);
    }

    @Override public void run() {
        common.apply();
        PruneSettings s = settings();
        PruneJob.PruneData specs;
        if (data == null) {
            PruneJob.DataKind kind = mixture.equals("uniform") ? PruneJob.DataKind.MIXTURE : Choices.parse("--mixture", PruneJob.DataKind.class, mixture);
            specs = PruneJob.PruneData.of(kind, null, common.seed);
        } else {
            List<SourceSpec> files = new ArrayList<>();
            for (Path p : data) files.add(DefaultData.file(p));
            specs = PruneJob.PruneData.of(files);
        }
        String dataName = data == null ? "mixture " + mixture : "files " + data;
        RunFingerprint fp = Preflight.prune(new Preflight.PruneRequest(model, tokenizer, modelOptions.options(), s, specs, dataName, out, resume, force));
        Path ckptDir = Preflight.checkpointDir(out);
        if (!resume) AtomicFiles.deleteTree(ckptDir);               // absent, empty, or this command's own with --force: Preflight refused the rest
        Checkpointer ckpt = resume || checkpointEvery > 0 ? new FileCheckpointer(ckptDir, 2, fp) : Checkpointer.NONE;
        try (LoadedLm lm = LoadedLm.open(model, tokenizer, modelOptions.options()); Shards shards = cluster.open(common.device)) {
            // on a cluster: KDA's probes and the one-shot calibration, on the executors' copies of this file
            PruneJob.Remote remote = shards == null ? null
                    : new PruneJob.Remote(shards, ModelRef.of(lm.path(), tokenizer, modelOptions.options().baseDtype()));
            PruneRun.Result r = PruneJob.run(PruneJob.trace(lm, s), lm.tokenizer(), s, specs, out, ckpt, ConsoleProgress.root(), remote);
            System.out.printf("%s: removed %.2f%% of parameters (target %.2f%%), %d -> %d, %.1f s; model and prune-report.json in %s%n",
                    r.method(), 100 * r.achievedRatio(), 100 * r.targetRatio(), r.paramsBefore(), r.paramsAfter(), r.seconds(), out);
            if (r.alignment() != null) {
                r.alignment().changes().forEach(System.out::println);
                System.out.printf("alignment to %s: %+d parameters against the unaligned selection%n", r.alignment().alignment(), r.alignment().paramsAdded());
            }
            r.cost().lines().forEach(System.out::println);
        }
        AtomicFiles.deleteTree(ckptDir);
    }
}
