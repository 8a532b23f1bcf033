package dev.shear.cli;

import picocli.CommandLine.Command;

/** Benchmarks: speed and memory claims live here, never in unit tests. */
@Command(name = "bench", description = "Measure speed and memory.", mixinStandardHelpOptions = true,
        subcommands = {BenchStepCommand.class, BenchQualityCommand.class, BenchRecoveryCommand.class, BenchEvalCommand.class, BenchMemoryCommand.class, BenchSoakCommand.class, BenchSpeedCommand.class, BenchTradeoffCommand.class})
final class BenchCommand implements Runnable {
    @Override public void run() { new picocli.CommandLine(this).usage(System.out); }
}
