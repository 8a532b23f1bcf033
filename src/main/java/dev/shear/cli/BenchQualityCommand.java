package dev.shear.cli;

import dev.shear.model.CausalLm;
import dev.shear.pipeline.PruneJob;
import dev.shear.pipeline.QualityBench;
import dev.shear.prune.Allocation;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    private QualityBench bench;

    @Override public void run() {
        common.apply();
        if (label != null && methods.size() != 1) throw new IllegalArgumentException("--label needs exactly one --methods entry");
        bench = new QualityBench(out, pplTokens, recovery(0, 1));
        try (CausalLm dense = bench.fresh()) {
            row("dense", 0, 0, "none", 0, dense, null);
        }
        int pruneSteps = warmup + periods * periodLength;
        for (long seed : seeds) {
            try (CausalLm dense = bench.fresh()) {
                if (!bench.done(key("dense+recovery", 0, seed, "a"))) bench.recover(dense, recovery(seed, recoverySteps + pruneSteps));
                row("dense+recovery", 0, seed, "a", recoverySteps + pruneSteps, dense, null);
            }
            for (double ratio : ratios)
                for (String m : methods) runMethod(Method.parse(m), ratio, seed, pruneSteps);
        }
    }

    private void runMethod(Method m, double ratio, long seed, int pruneSteps) {
        if (budgets.stream().allMatch(b -> bench.done(key(name(m), ratio, seed, b)))) return;
        LhspgSchedule schedule = LhspgSchedule.of(warmup, periods, periodLength).withLrShape(Choices.parse("--prune-lr-shape", LhspgSchedule.LrShape.class, pruneLrShape));
        PruneSettings s = QualityBench.settings(m, ratio, seed, schedule, pruneLr == null ? lr : pruneLr, batch, seq)
                .withAllocation(Choices.parse("--allocation", Allocation.class, allocation));
        if (pruneRunSteps != null && m.progressive()) s = s.withSchedule(s.schedule().withSteps(pruneRunSteps));
        QualityBench.Pruned p = bench.prune(s, dataKind());
        int trained = p.result().trainSteps();
        if (budgets.contains("none")) try (CausalLm c = p.model()) { row(name(m), ratio, seed, "none", trained, c, p); }
        Map<String, Object> a = null;
        if (budgets.contains("a")) try (CausalLm c = p.model()) {   // (a): pruning-time + recovery steps equal for all
            bench.recover(c, recovery(seed, recoverySteps + pruneSteps - trained));
            a = row(name(m), ratio, seed, "a", pruneSteps + recoverySteps, c, p);
        }
        if (!budgets.contains("b")) return;
        if (trained == pruneSteps && a != null) {            // progressive: (b) is the very same run
            bench.copy(a, key(name(m), ratio, seed, "b"));
            return;
        }
        try (CausalLm c = p.model()) {                       // (b): the same post-pruning recovery
            bench.recover(c, recovery(seed, recoverySteps));
            row(name(m), ratio, seed, "b", trained + recoverySteps, c, p);
        }
    }

    private PruneJob.DataKind dataKind() { return Choices.parse("--prune-data", PruneJob.DataKind.class, pruneData); }

    private String name(Method m) { return label != null ? label : m.cliName(); }

    /** Two rounds of dynamic recovery splitting the steps. */
    private dev.shear.recover.RecoverySettings recovery(long seed, int steps) {
        return QualityBench.recovery(2, Math.max(0, steps / 2), batch, seq, lr, seed, true);
    }

    private static Map<String, Object> key(String method, double ratio, long seed, String budget) {
        return QualityBench.key("method", method, "ratio", ratio, "seed", seed, "budget", budget);
    }

    /** Evaluates and appends the row; null when it was already in the file. */
    private Map<String, Object> row(String method, double ratio, long seed, String budget, int steps, CausalLm m, QualityBench.Pruned p) {
        Map<String, Object> key = key(method, ratio, seed, budget);
        if (bench.done(key)) return null;
        Map<String, Object> extra = QualityBench.key("lora_steps", steps);
        if (p != null) extra.put("prune_seconds", p.result().seconds());
        if (p != null && !p.result().plan().quotas().isEmpty()) extra.put("quotas", p.result().plan().quotas());   // which layers gave up what
        Map<String, Object> r = bench.measure(key, m, extra);
        bench.save(r);
        return r;
    }
}
