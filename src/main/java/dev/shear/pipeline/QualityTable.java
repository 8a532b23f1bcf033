package dev.shear.pipeline;

import dev.shear.model.CausalLm;
import dev.shear.prune.Allocation;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneSettings;
import dev.shear.recover.RecoverySettings;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The quality table of docs/results.md: every method at each ratio and seed, evaluated without
 * recovery (budget "none"), with recovery at equal total LoRA steps ("a": pruning-time plus recovery
 * steps the same for every method) and at equal post-pruning recovery ("b"), beside the dense model
 * and the dense model given the same recovery. Rows append to a JSONL file as they finish; rows
 * already there are skipped, so a stopped run resumes.
 */
public final class QualityTable {
    /**
     * One protocol: what is pruned, how, and what recovery follows. A preset is one more constructor call.
     *
     * @param schedule      LHSPG's schedule (and the one-shot warm-up); its steps may run past the last period
     * @param recoverySteps R, the post-pruning recovery steps of budget b (budget a adds the schedule's steps)
     * @param pruneLr       peak learning rate while pruning
     * @param lr            peak learning rate of recovery
     * @param label         written in the rows instead of the method's name (one method only); null for the name
     */
    public record Protocol(List<Method> methods, List<Double> ratios, List<Long> seeds, LhspgSchedule schedule, int recoverySteps,
                           double pruneLr, double lr, int batch, int seq, PruneJob.DataKind pruneData, Allocation allocation,
                           List<String> budgets, String label) implements Serializable {
        public Protocol {
            methods = List.copyOf(methods);
            ratios = List.copyOf(ratios);
            seeds = List.copyOf(seeds);
            budgets = List.copyOf(budgets);
            Objects.requireNonNull(schedule, "schedule");
            if (label != null && methods.size() != 1) throw new IllegalArgumentException("--label needs exactly one --methods entry");
            for (String b : budgets)
                if (!List.of("none", "a", "b").contains(b)) throw new IllegalArgumentException("budget '" + b + "': expected none, a or b");
        }
    }

    private final Protocol p;
    private final QualityBench bench;

    public QualityTable(Protocol protocol, QualityBench bench) {
        this.p = protocol;
        this.bench = bench;
    }

    /**
     * One cell of the grid, run on its own wherever it is sent (a cluster runs one per task): the
     * dense model, the dense model given the methods' recovery for a seed, or one method at a ratio
     * and seed with every budget of the protocol. A serialisable description in, its rows out; a new
     * protocol is another kind of cell.
     *
     * @param method null for the dense rows
     */
    public record Cell(Kind kind, Method method, double ratio, long seed) implements Serializable {
        public enum Kind { DENSE, DENSE_RECOVERY, METHOD }
    }

    public void run() {
        for (Cell c : cells()) run(c);
    }

    /** The grid's cells in the order {@link #run()} visits them. */
    public List<Cell> cells() {
        List<Cell> out = new ArrayList<>();
        out.add(new Cell(Cell.Kind.DENSE, null, 0, 0));
        for (long seed : p.seeds()) {
            out.add(new Cell(Cell.Kind.DENSE_RECOVERY, null, 0, seed));
            for (double ratio : p.ratios())
                for (Method m : p.methods()) out.add(new Cell(Cell.Kind.METHOD, m, ratio, seed));
        }
        return out;
    }

    /** True when every row of the cell is in the file already. */
    public boolean done(Cell c) {
        return switch (c.kind()) {
            case DENSE -> bench.done(key("dense", 0, 0, "none"));
            case DENSE_RECOVERY -> bench.done(key("dense+recovery", 0, c.seed(), "a"));
            case METHOD -> p.budgets().stream().allMatch(b -> bench.done(key(name(c.method()), c.ratio(), c.seed(), b)));
        };
    }

    /** Runs one cell: its rows are evaluated and saved, those already in the file skipped. */
    public void run(Cell c) {
        int pruneSteps = p.schedule().totalSteps();
        switch (c.kind()) {
            case DENSE -> {
                try (CausalLm dense = bench.fresh()) {
                    row("dense", 0, 0, "none", 0, dense, null);
                }
            }
            case DENSE_RECOVERY -> {
                try (CausalLm dense = bench.fresh()) {
                    if (!bench.done(key("dense+recovery", 0, c.seed(), "a"))) bench.recover(dense, recovery(c.seed(), p.recoverySteps() + pruneSteps));
                    row("dense+recovery", 0, c.seed(), "a", p.recoverySteps() + pruneSteps, dense, null);
                }
            }
            case METHOD -> runMethod(c.method(), c.ratio(), c.seed(), pruneSteps);
        }
    }

    private void runMethod(Method m, double ratio, long seed, int pruneSteps) {
        if (p.budgets().stream().allMatch(b -> bench.done(key(name(m), ratio, seed, b)))) return;
        LhspgSchedule schedule = m.progressive() ? p.schedule() : p.schedule().withSteps(0);
        PruneSettings s = QualityBench.settings(m, ratio, seed, schedule, p.pruneLr(), p.batch(), p.seq()).withAllocation(p.allocation());
        QualityBench.Pruned pruned = bench.prune(s, p.pruneData());
        int trained = pruned.result().trainSteps();
        if (p.budgets().contains("none")) try (CausalLm c = pruned.model()) { row(name(m), ratio, seed, "none", trained, c, pruned); }
        Map<String, Object> a = null;
        if (p.budgets().contains("a")) try (CausalLm c = pruned.model()) {   // (a): pruning-time + recovery steps equal for all
            bench.recover(c, recovery(seed, p.recoverySteps() + pruneSteps - trained));
            a = row(name(m), ratio, seed, "a", pruneSteps + p.recoverySteps(), c, pruned);
        }
        if (!p.budgets().contains("b")) return;
        if (trained == pruneSteps && a != null) {            // progressive: (b) is the very same run
            bench.copy(a, key(name(m), ratio, seed, "b"));
            return;
        }
        try (CausalLm c = pruned.model()) {                  // (b): the same post-pruning recovery
            bench.recover(c, recovery(seed, p.recoverySteps()));
            row(name(m), ratio, seed, "b", trained + p.recoverySteps(), c, pruned);
        }
    }

    private String name(Method m) { return p.label() != null ? p.label() : m.cliName(); }

    /** Two rounds of dynamic recovery splitting the steps. */
    private RecoverySettings recovery(long seed, int steps) {
        return QualityBench.recovery(2, Math.max(0, steps / 2), p.batch(), p.seq(), p.lr(), seed, true);
    }

    private static Map<String, Object> key(String method, double ratio, long seed, String budget) {
        return QualityBench.key("method", method, "ratio", ratio, "seed", seed, "budget", budget);
    }

    /** Evaluates and appends the row; null when it was already in the file. */
    private Map<String, Object> row(String method, double ratio, long seed, String budget, int steps, CausalLm m, QualityBench.Pruned pruned) {
        Map<String, Object> key = key(method, ratio, seed, budget);
        if (bench.done(key)) return null;
        Map<String, Object> extra = QualityBench.key("lora_steps", steps);
        if (pruned != null) extra.put("prune_seconds", pruned.result().seconds());
        if (pruned != null && !pruned.result().plan().quotas().isEmpty()) extra.put("quotas", pruned.result().plan().quotas());   // which layers gave up what
        Map<String, Object> r = bench.measure(key, m, extra);
        bench.save(r);
        return r;
    }
}
