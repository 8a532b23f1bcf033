package dev.shear.pipeline;

import dev.shear.data.AlpacaTemplate;
import dev.shear.data.DataPaths;
import dev.shear.engine.Progress;
import dev.shear.model.CausalLm;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneSettings;
import dev.shear.recover.InstructionTuning;
import dev.shear.train.Checkpointer;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The recovery ablation of docs/results.md: one LHSPG-pruned model per ratio and seed, then each
 * recovery mode from the same weights with the same budget (optimizer steps of sequences of the same
 * length): none, instruction-only, a static mixture, the dynamic mixture, dynamic then instruction.
 */
public final class RecoveryAblation {
    public static final List<String> MODES = List.of("none", "instruction", "static", "dynamic", "dynamic+instruction");

    /**
     * @param steps  the recovery budget in optimizer steps, the same for every mode
     * @param rounds rounds of the static and dynamic mixtures
     * @param seq    sequence length; also the instruction stage's maximum length
     */
    public record Protocol(Method method, List<String> modes, List<Double> ratios, List<Long> seeds, LhspgSchedule schedule, int steps,
                           int rounds, int batch, int seq, double lr) {
        public Protocol {
            modes = List.copyOf(modes);
            ratios = List.copyOf(ratios);
            seeds = List.copyOf(seeds);
            Objects.requireNonNull(schedule, "schedule");
            for (String m : modes) if (!MODES.contains(m)) throw new IllegalArgumentException("--modes: unknown mode '" + m + "'");
        }
    }

    private final Protocol p;
    private final QualityBench bench;
    private final List<AlpacaTemplate.Example> alpaca = AlpacaTemplate.read(DataPaths.data("alpaca/alpaca_5000.json"));

    public RecoveryAblation(Protocol protocol, QualityBench bench) {
        this.p = protocol;
        this.bench = bench;
    }

    public void run() {
        for (long seed : p.seeds())
            for (double ratio : p.ratios()) {
                if (p.modes().stream().allMatch(mode -> bench.done(key(mode, ratio, seed)))) continue;
                PruneSettings s = QualityBench.settings(p.method(), ratio, seed, p.schedule(), p.lr(), p.batch(), p.seq());
                QualityBench.Pruned pruned = bench.prune(s, PruneJob.DataKind.TINYSTORIES);
                for (String mode : p.modes()) {
                    if (bench.done(key(mode, ratio, seed))) continue;
                    try (CausalLm c = pruned.model()) {
                        Map<String, Object> extra = recover(c, mode, seed);
                        extra.put("prune_steps", pruned.result().trainSteps());
                        bench.row(key(mode, ratio, seed), c, extra);
                    }
                }
            }
    }

    /** Runs one recovery mode within the step budget; returns what it did. */
    private Map<String, Object> recover(CausalLm c, String mode, long seed) {
        int instruction = switch (mode) {
            case "instruction" -> p.steps();
            case "dynamic+instruction" -> p.steps() / 3;
            default -> 0;
        };
        int pretrain = mode.equals("static") || mode.startsWith("dynamic") ? p.steps() - instruction : 0;
        int rounds = p.rounds();
        if (pretrain > 0) bench.recover(c, QualityBench.recovery(rounds, pretrain / rounds, p.batch(), p.seq(), p.lr(), seed, !mode.equals("static")));
        int instructionRun = 0;
        if (instruction > 0) {
            // the built-in spec's instruction stage with the ablation's budget, warm-up 5 and a check every 25 steps
            var settings = RecoverySpec.load(null).instructionSettings(seed).withBudget(instruction, p.batch(), p.seq(), p.lr()).withSchedule(5, 25);
            instructionRun = InstructionTuning.run(c, bench.tok, alpaca, settings, Checkpointer.NONE, Progress.NONE).losses().size();
        }
        return QualityBench.key("pretrain_steps", pretrain / rounds * rounds, "instruction_steps", instructionRun,
                "budget_steps", p.steps(), "batch", p.batch(), "seq", p.seq());
    }

    private Map<String, Object> key(String mode, double ratio, long seed) {
        return QualityBench.key("method", p.method().cliName(), "recovery", mode, "ratio", ratio, "seed", seed);
    }
}
