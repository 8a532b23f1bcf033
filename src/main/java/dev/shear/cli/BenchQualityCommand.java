package dev.shear.cli;

import dev.shear.pipeline.ConvergedBench;
import dev.shear.distributed.Shards;
import dev.shear.pipeline.PruneJob;
import dev.shear.pipeline.ConvergedCells;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The quality tables. The converged protocol (the default): every method pruned and recovered within one
 * LoRA budget, with the dense+LoRA control. The short protocol: every method without recovery, with
 * recovery at equal total LoRA steps (a) and at equal post-pruning recovery (b). One JSON line per row, appended as it
 * finishes; rows already in the file are skipped, so the run resumes.
 */
@Command(name = "quality", description = "Prune with every method, recover, evaluate; append rows to a JSONL file.", mixinStandardHelpOptions = true)
final class BenchQualityCommand implements Runnable {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;
    @Option(names = "--protocol", defaultValue = "converged", description = "converged (1100 LoRA steps in all, peers with their own allocation, distillation for all; docs/results.md) or short (170 steps, the short-budget study) (default ${DEFAULT-VALUE}).") String protocolName;
    @Option(names = "--methods", split = ",", description = "Methods (default: converged lorashear,wanda-sp,flap,llm-pruner,magnitude,random; short " + SHORT_METHODS + ").") List<String> methods;
    @Option(names = "--ratios", split = ",", defaultValue = "0.2,0.5") List<Double> ratios;
    @Option(names = "--seeds", split = ",", description = "Seeds (default: converged 0,1; short 0).") List<Long> seeds;
    @Option(names = "--steps", description = "converged: LoRA steps in all, pruning-time steps included (default 1100).") Integer steps;
    @Option(names = "--distill", description = "converged: distillation for every method, alpha=A,t=T,k=K|all or off (default alpha=0.5,t=1,k=all).") String distill;
    @Option(names = "--recovery-rounds", description = "converged: recovery rounds, each merged (default 4).") Integer rounds;
    @Option(names = "--mixture", description = "converged: recover on the four-source mixture with dynamic weights (the second table).") boolean mixture;
    @Option(names = "--no-control", description = "converged: skip the dense+LoRA control row.") boolean noControl;
    @Option(names = "--teacher-cache", description = "converged: distil from top-k teacher logits computed once per seed into this folder instead of a teacher model in memory (needs --distill ...,k=K).") Path teacherCache;
    @Option(names = "--warmup", description = "LHSPG warm-up steps T_w (default: converged 30, short 10).") Integer warmup;
    @Option(names = "--periods", description = "LHSPG periods P (default 4).") Integer periods;
    @Option(names = "--period-length", description = "LHSPG period length T_p (default: converged 10, short 20).") Integer periodLength;
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
    @Option(names = "--out", description = "Rows file (default: docs/results/quality-converged.jsonl, -converged-mixture.jsonl or quality.jsonl for short).") Path out;
    @Mixin ClusterOptions cluster;

    private static final String SHORT_METHODS = "lorashear-activation,lorashear-accumulated,lorashear-paper,reference,lorashear-oneshot,llm-pruner,wanda-sp,flap,magnitude,random";

    /** Options only one protocol reads: given to the other, they would be silently ignored. */
    private static final List<String> SHORT_ONLY = List.of("--recovery-steps", "--batch", "--seq", "--lr", "--prune-steps", "--prune-lr",
            "--prune-lr-shape", "--prune-data", "--allocation", "--budgets");
    private static final List<String> CONVERGED_ONLY = List.of("--steps", "--distill", "--recovery-rounds", "--mixture", "--no-control", "--teacher-cache");

    @Override public void run() {
        common.apply();
        if (!protocolName.equals("converged") && !protocolName.equals("short"))
            throw new IllegalArgumentException("--protocol '" + protocolName + "': expected converged or short");
        boolean converged = protocolName.equals("converged");
        for (String o : converged ? SHORT_ONLY : CONVERGED_ONLY)
            if (spec.commandLine().getParseResult().hasMatchedOption(o))
                throw new IllegalArgumentException(o + " applies to --protocol " + (converged ? "short" : "converged") + " only");
        if (converged) {
            converged();
            return;
        }
        if (methods == null) methods = List.of(SHORT_METHODS.split(","));
        if (seeds == null) seeds = List.of(0L);
        if (out == null) out = Path.of("docs/results/quality.jsonl");
        LhspgSchedule schedule = LhspgSchedule.of(or(warmup, 10), or(periods, 4), or(periodLength, 20)).withSteps(pruneRunSteps == null ? 0 : pruneRunSteps)
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

    private static int or(Integer given, int otherwise) { return given == null ? otherwise : given; }

    /** The converged protocol with the options given on the command line. */
    ConvergedBench.Protocol convergedProtocol() {
        List<Method> ms = (methods == null ? List.of("lorashear", "wanda-sp", "flap", "llm-pruner", "magnitude", "random") : methods)
                .stream().map(Method::parse).toList();
        ConvergedBench.Protocol p = ConvergedBench.Protocol.converged(ms, ratios, seeds == null ? List.of(0L, 1L) : seeds)
                .withMixture(mixture).withControl(!noControl).withLabel(label);
        if (steps != null) p = p.withSteps(steps);
        if (distill != null) p = p.withDistill(Choices.distill("--distill", distill));
        if (rounds != null) p = p.withRounds(rounds);
        if (warmup != null || periods != null || periodLength != null)
            p = p.withLhspg(LhspgSchedule.of(or(warmup, p.lhspg().warmup()), or(periods, p.lhspg().periods()), or(periodLength, p.lhspg().periodLength())));
        return p;
    }

    private void converged() {
        ConvergedBench.Protocol p = convergedProtocol();
        QualityBench bench = new QualityBench(out == null ? ConvergedBench.defaultOut(mixture) : out, pplTokens,
                QualityBench.recovery(2, 0, 16, 128, 1e-3, 0, true), System.out::println);
        if (!cluster.active()) {
            new ConvergedBench(p, bench).withTeacherCache(teacherCache).run();
            return;
        }
        try (Shards shards = cluster.open(common.device); ConsoleProgress bar = ConsoleProgress.bar("converged cells on " + shards.describe(), 1)) {
            ConvergedCells.run(shards, p, bench, pplTokens, teacherCache, bar);   // one task per cell, rows appended as cells finish
        }
    }
}
