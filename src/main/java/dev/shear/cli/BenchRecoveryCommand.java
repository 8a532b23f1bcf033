package dev.shear.cli;

import dev.shear.data.AlpacaTemplate;
import dev.shear.data.DataPaths;
import dev.shear.engine.Progress;
import dev.shear.model.CausalLm;
import dev.shear.pipeline.PruneJob;
import dev.shear.pipeline.QualityBench;
import dev.shear.pipeline.RecoverySpec;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneSettings;
import dev.shear.recover.InstructionTuning;
import dev.shear.train.Checkpointer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The recovery ablation: one LHSPG-pruned model per ratio and seed, then each recovery setting from
 * the same weights with the same budget (optimizer steps x sequences of the same length).
 */
@Command(name = "recovery", description = "Recovery ablation: none, instruction-only, static mixture, dynamic mixture, dynamic then instruction.", mixinStandardHelpOptions = true)
final class BenchRecoveryCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--method", defaultValue = "lorashear") String method;
    @Option(names = "--modes", split = ",", defaultValue = "none,instruction,static,dynamic,dynamic+instruction") List<String> modes;
    @Option(names = "--ratios", split = ",", defaultValue = "0.2,0.5") List<Double> ratios;
    @Option(names = "--seeds", split = ",", defaultValue = "0,1") List<Long> seeds;
    @Option(names = "--warmup", defaultValue = "10") int warmup;
    @Option(names = "--periods", defaultValue = "4") int periods;
    @Option(names = "--period-length", defaultValue = "15") int periodLength;
    @Option(names = "--steps", defaultValue = "150", description = "Recovery budget in optimizer steps, the same for every mode.") int steps;
    @Option(names = "--rounds", defaultValue = "3", description = "Rounds of the static and dynamic mixtures.") int rounds;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--seq", defaultValue = "128", description = "Sequence length; also the instruction stage's maximum length.") int seq;
    @Option(names = "--lr", defaultValue = "1e-3") double lr;
    @Option(names = "--ppl-tokens", defaultValue = "32768", description = "Tokens of WikiText-2 and PTB scored (llm-pruner windows).") int pplTokens;
    @Option(names = "--out", defaultValue = "docs/results/recovery.jsonl") Path out;

    private QualityBench bench;
    private List<AlpacaTemplate.Example> alpaca;

    @Override public void run() {
        common.apply();
        for (String m : modes)
            if (!List.of("none", "instruction", "static", "dynamic", "dynamic+instruction").contains(m))
                throw new IllegalArgumentException("--modes: unknown mode '" + m + "'");
        bench = new QualityBench(out, pplTokens, QualityBench.recovery(1, 1, batch, seq, lr, 0, true));
        alpaca = AlpacaTemplate.read(DataPaths.data("alpaca/alpaca_5000.json"));
        Method m = Method.parse(method);
        for (long seed : seeds)
            for (double ratio : ratios) {
                if (modes.stream().allMatch(mode -> bench.done(key(m, mode, ratio, seed)))) continue;
                PruneSettings s = QualityBench.settings(m, ratio, seed, LhspgSchedule.of(warmup, periods, periodLength), lr, batch, seq);
                QualityBench.Pruned p = bench.prune(s, PruneJob.DataKind.TINYSTORIES);
                for (String mode : modes) {
                    if (bench.done(key(m, mode, ratio, seed))) continue;
                    try (CausalLm c = p.model()) {
                        Map<String, Object> extra = recover(c, mode, seed);
                        extra.put("prune_steps", p.result().trainSteps());
                        bench.row(key(m, mode, ratio, seed), c, extra);
                    }
                }
            }
    }

    /** Runs one recovery mode within the step budget; returns what it did. */
    private Map<String, Object> recover(CausalLm c, String mode, long seed) {
        int instruction = switch (mode) {
            case "instruction" -> steps;
            case "dynamic+instruction" -> steps / 3;
            default -> 0;
        };
        int pretrain = mode.equals("static") || mode.startsWith("dynamic") ? steps - instruction : 0;
        if (pretrain > 0) bench.recover(c, QualityBench.recovery(rounds, pretrain / rounds, batch, seq, lr, seed, !mode.equals("static")));
        int instructionRun = 0;
        if (instruction > 0) {
            // the built-in spec's instruction stage with the ablation's budget, warm-up 5 and a check every 25 steps
            var settings = RecoverySpec.load(null).instructionSettings(seed).withBudget(instruction, batch, seq, lr).withSchedule(5, 25);
            instructionRun = InstructionTuning.run(c, bench.tok, alpaca, settings, Checkpointer.NONE, Progress.NONE).losses().size();
        }
        return QualityBench.key("pretrain_steps", pretrain / rounds * rounds, "instruction_steps", instructionRun,
                "budget_steps", steps, "batch", batch, "seq", seq);
    }

    private static Map<String, Object> key(Method m, String mode, double ratio, long seed) {
        return QualityBench.key("method", m.cliName(), "recovery", mode, "ratio", ratio, "seed", seed);
    }
}
