package dev.shear.cli;

import dev.shear.data.SourceSpec;
import dev.shear.lora.LoraConfig;
import dev.shear.model.WidthAlignment;
import dev.shear.pipeline.DefaultData;
import dev.shear.pipeline.FileCheckpointer;
import dev.shear.pipeline.Files2;
import dev.shear.pipeline.LoadedLm;
import dev.shear.pipeline.PruneJob;
import dev.shear.prune.Allocation;
import dev.shear.prune.KdaSettings;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneRun;
import dev.shear.prune.PruneSettings;
import dev.shear.train.Checkpointer;
import dev.shear.train.TrainingSettings;
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
    @Option(names = "--ratio", defaultValue = "0.2", description = "Fraction of total parameters to remove (default ${DEFAULT-VALUE}).") double ratio;
    @Option(names = "--method", defaultValue = "lorashear",
            description = "lorashear (best variant), lorashear-paper, lorashear-accumulated, lorashear-activation, reference, lorashear-oneshot, llm-pruner, llm-pruner-vector, wanda-sp, flap, magnitude, random.") String method;
    @Option(names = "--data", description = "Training/calibration text (.txt lines, .jsonl with a text field), sampled uniformly; default: the recovery mixture (TinyStories lines [0, 2700), Wikipedia, C4, Gutenberg), see --mixture.") List<Path> data;
    @Option(names = "--mixture", defaultValue = "dynamic",
            description = "Weights of the default mixture: dynamic (re-weighted at each LHSPG period by what its removal costs each source; default) or uniform.") String mixture;
    @Option(names = "--warmup", defaultValue = "5", description = "LHSPG warm-up steps T_w (default ${DEFAULT-VALUE}).") int warmup;
    @Option(names = "--periods", defaultValue = "2", description = "LHSPG periods P (default ${DEFAULT-VALUE}).") int periods;
    @Option(names = "--period-length", defaultValue = "10", description = "LHSPG period length T_p (default ${DEFAULT-VALUE}).") int periodLength;
    @Option(names = "--lr-shape", defaultValue = "constant",
            description = "LR schedule while pruning: constant (warm up over T_w, then hold; default) or cosine.") String lrShape;
    @Option(names = "--steps", description = "LoRA steps while pruning (default: warm-up + periods x period length).") Integer steps;
    @Option(names = "--epsilon", defaultValue = "0.0", description = "Half-space projection epsilon.") double epsilon;
    @Option(names = "--lr", defaultValue = "1e-3") double lr;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--seq", defaultValue = "256") int seq;
    @Option(names = "--kda-ratios", split = ",", defaultValue = "0.2,0.5", description = "KDA ratios; 'none' skips KDA.") List<String> kdaRatios;
    @Option(names = "--gamma-u", defaultValue = "0.15", description = "Fraction of node groups KDA protects.") double gammaU;
    @Option(names = "--calib-batches", defaultValue = "4") int calibBatches;
    @Option(names = "--checkpoint-every", defaultValue = "25") int checkpointEvery;
    @Option(names = "--resume", description = "Continue from the checkpoints in OUT.ckpt.") boolean resume;
    @Option(names = "--allocation", defaultValue = "auto",
            description = "How the target is spread over the layers: uniform (one ratio for every prunable group), kda (per-layer counts within each cluster from the KDA curves: the layers whose removal costs least give up most) or auto (default: kda for lorashear, uniform for the other methods).") String allocation;
    @Option(names = "--align", defaultValue = "1",
            description = "Round each layer's kept MLP channels to a multiple of this, keeping the highest-scoring channels (default: off).") int align;
    @Option(names = "--align-round", defaultValue = "nearest", description = "nearest, up or down (with --align).") String alignRound;
    @Option(names = "--out", required = true, description = "Output model folder (prune-report.json goes inside).") Path out;

    @Override public void run() {
        common.apply();
        Method m = Method.parse(method);
        LhspgSchedule schedule = new LhspgSchedule(warmup, periods, periodLength, steps == null ? 0 : steps, epsilon,
                LhspgSchedule.LrShape.valueOf(lrShape.toUpperCase()));
        List<Double> kda = new ArrayList<>();
        if (!(kdaRatios.size() == 1 && kdaRatios.get(0).equals("none"))) for (String r : kdaRatios) kda.add(Double.parseDouble(r));
        Allocation a = Allocation.valueOf(allocation.toUpperCase());
        if (a == Allocation.KDA && kda.isEmpty()) throw new IllegalArgumentException("--allocation kda needs KDA: drop --kda-ratios none");
        PruneSettings s = new PruneSettings(m, ratio, a, WidthAlignment.parse(align, alignRound), calibBatches, schedule,
                new TrainingSettings(lr, batch, seq, checkpointEvery, LoraConfig.paperDefaults(common.seed)), new KdaSettings(kda, gammaU), common.seed);
        PruneJob.PruneData specs;
        if (!mixture.equals("dynamic") && !mixture.equals("uniform"))
            throw new IllegalArgumentException("--mixture: expected dynamic or uniform, got '" + mixture + "'");
        if (data == null) specs = PruneJob.PruneData.of(mixture.equals("dynamic") ? PruneJob.DataKind.DYNAMIC : PruneJob.DataKind.MIXTURE, null, common.seed);
        else {
            List<SourceSpec> files = new ArrayList<>();
            for (Path p : data) files.add(DefaultData.file(p));
            specs = PruneJob.PruneData.of(files);
        }
        Path ckptDir = out.resolveSibling(out.getFileName() + ".ckpt");
        Checkpointer ckpt = resume || checkpointEvery > 0 ? new FileCheckpointer(ckptDir, 2) : Checkpointer.NONE;
        if (!resume) Files2.deleteTree(ckptDir);
        try (LoadedLm lm = LoadedLm.open(model, tokenizer, modelOptions.options())) {
            PruneRun.Result r = PruneJob.run(PruneJob.trace(lm, s), lm.tokenizer(), s, specs, out, ckpt, ConsoleProgress.root());
            System.out.printf("%s: removed %.2f%% of parameters (target %.2f%%), %d -> %d, %.1f s; model and prune-report.json in %s%n",
                    r.method(), 100 * r.achievedRatio(), 100 * r.targetRatio(), r.paramsBefore(), r.paramsAfter(), r.seconds(), out);
            if (r.alignment() != null) {
                r.alignment().changes().forEach(System.out::println);
                System.out.printf("alignment to %s: %+d parameters against the unaligned selection%n", r.alignment().alignment(), r.alignment().paramsAdded());
            }
            r.cost().lines().forEach(System.out::println);
        }
        Files2.deleteTree(ckptDir);
    }
}
