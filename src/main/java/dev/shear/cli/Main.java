package dev.shear.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code shear} command: one subcommand per job. */
@Command(name = "shear", mixinStandardHelpOptions = true, version = "shear 0.1.0",
        description = "Structured pruning and LoRA knowledge recovery for LLaMA-family models.",
        subcommands = {DemoCommand.class, RunCommand.class, GenerateCommand.class, ConvertCommand.class, ExportCommand.class,
                GraphCommand.class, PruneCommand.class, RecoverCommand.class, EvalCommand.class, BenchCommand.class, PlanCommand.class})
public final class Main implements Runnable {
    @Override public void run() { new CommandLine(this).usage(System.out); }

    public static void main(String[] args) { System.exit(execute(args)); }

    /** Runs a command line; bad input becomes one line on stderr and a non-zero exit. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setDefaultValueProvider(new ConfigDefaults());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean debug = parsed.hasMatchedOption("--debug");
            if (debug) ex.printStackTrace();
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            cmd.getErr().println("shear: " + msg.lines().findFirst().orElse(msg));
            return 1;
        });
        return cl.execute(args);
    }
}
