package dev.shear.cli;

import dev.shear.pipeline.QualityBench;
import dev.shear.pipeline.RecoveryAblation;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import java.nio.file.Path;
import java.util.List;
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

    @Override public void run() {
        common.apply();
        RecoveryAblation.Protocol protocol = new RecoveryAblation.Protocol(Method.parse(method), modes, ratios, seeds,
                LhspgSchedule.of(warmup, periods, periodLength), steps, rounds, batch, seq, lr);
        new RecoveryAblation(protocol, new QualityBench(out, pplTokens, QualityBench.recovery(1, 1, batch, seq, lr, 0, true), System.out::println)).run();
    }
}
