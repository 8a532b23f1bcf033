package dev.shear.cli;

import dev.shear.distributed.Shards;
import dev.shear.pipeline.PruneJob;
import dev.shear.pipeline.QualityCells;
import dev.shear.pipeline.QualityBench;
import dev.shear.pipeline.QualityTable;
import dev.shear.prune.Allocation;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The quality table: every method at each ratio and seed, without recovery, with recovery at equal
 * total LoRA steps (a) and at equal post-pruning recovery (b). One JSON line per row, appended as it
 * finishes; rows already in the file are skipped, so the run resumes.
 */
@Command(name = "quality", description = "Prune with every method, recover, evaluate; append rows to a JSONL file.", mixinStandardHelpOptions = true)
final class BenchQualityCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--methods", split = ",", defaultValue = "lorashear-activation,lorashear-accumulated,lorashear-paper,reference,lorashear-oneshot,llm-pruner,wanda-sp,flap,magnitude,random") List<String> methods;
    @Option(names = "--ratios", split = ",", defaultValue = "0.2,0.5") List<Double> ratios;
    @Option(names = "--seeds", split = ",", defaultValue = "0") List<Long> seeds;
    @Option(names = "--warmup", defaultValue = "10") int warmup;
    @Option(names = "--periods", defaultValue = "4") int periods;
    @Option(names = "--period-length", defaultValue = "20") int periodLength;
    @Option(names = "--recovery-steps", defaultValue = "150", description = "Post-pruning recovery steps R.") int recoverySteps;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--seq", defaultValue = "128") int seq;
    @Option(names = "--lr", defaultValue = "1e-3") double lr;
    @Option(names = "--prune-steps", description = "LoRA steps of a progressive pruning run, at least warm-up + periods x period length; LoRA keeps training after the last period (default: exactly the schedule).") Integer pruneRunSteps;
    @Option(names = "--prune-lr", description = "Peak LoRA learning rate while pruning (default: --lr).") Double pruneLr;
    @Option(names = "--prune-lr-shape", defaultValue = "cosine", description = "LR schedule while pruning: cosine or constant (warm up over T_w, then hold).") String pruneLrShape;
    @Option(names = "--ppl-tokens", defaultValue = "32768", description = "Tokens of WikiText-2 and PTB scored (llm-pruner windows).") int pplTokens;
    @Option(names = "--prune-data", defaultValue = "tinystories", description = "Training data while pruning: tinystories (lines below 2700), mixture (the recovery sources, uniformly) or dynamic (the recovery sources, re-weighted at each LHSPG period by what its removal costs each source).") String pruneData;
    @Option(names = "--allocation", defaultValue = "uniform", description = "uniform or kda (per-group counts from the shared KDA result's curves).") String allocation;
    @Option(names = "--budgets", split = ",", defaultValue = "none,a,b", description = "Rows to produce: none (no recovery), a (equal total steps), b (equal post-pruning recovery).") List<String> budgets;
    @Option(names = "--label", description = "Name written in the rows instead of the method's (one method only), e.g. for a schedule or data variant.") String label;
    @Option(names = "--out", defaultValue = "docs/results/quality.jsonl") Path out;
    @Mixin ClusterOptions cluster;

    @Override public void run() {
        common.apply();
        LhspgSchedule schedule = LhspgSchedule.of(warmup, periods, periodLength).withSteps(pruneRunSteps == null ? 0 : pruneRunSteps)
                .withLrShape(Choices.parse("--prune-lr-shape", LhspgSchedule.LrShape.class, pruneLrShape));
        QualityTable.Protocol protocol = new QualityTable.Protocol(methods.stream().map(Method::parse).toList(), ratios, seeds, schedule,
                recoverySteps, pruneLr == null ? lr : pruneLr, lr, batch, seq, Choices.parse("--prune-data", PruneJob.DataKind.class, pruneData),
                Choices.parse("--allocation", Allocation.class, allocation), budgets, label);
        QualityBench bench = new QualityBench(out, pplTokens, QualityBench.recovery(2, 0, batch, seq, lr, 0, true), System.out::println);
        if (!cluster.active()) {
            new QualityTable(protocol, bench).run();
            return;
        }
        try (Shards shards = cluster.open(common.device); ConsoleProgress bar = ConsoleProgress.bar("quality cells on " + shards.describe(), 1)) {
            QualityCells.run(shards, protocol, bench, pplTokens, bar);   // one task per cell, rows appended as cells finish
        }
    }
}
