package dev.shear.cli;

import picocli.CommandLine.Command;
import java.util.List;
import picocli.CommandLine;

/** The {@code shear} command: one subcommand per job. */
@Command(name = "shear", mixinStandardHelpOptions = true, version = "shear 0.1.0",
        description = "Structured pruning and LoRA knowledge recovery for LLaMA-family models.",
        subcommands = {DemoCommand.class, RunCommand.class, GenerateCommand.class, ConvertCommand.class, ExportCommand.class,
                GraphCommand.class, PruneCommand.class, RecoverCommand.class, EvalCommand.class, BenchCommand.class, PlanCommand.class})
public final class Main implements Runnable {
    @Override public void run() { new CommandLine(this).usage(System.out); }

    public static void main(String[] args) { System.exit(execute(args)); }

    /**
     * Runs a command line; bad input, a bad option and running out of memory each become one line on
     * stderr and exit code 1 (a stack trace too with --debug).
     */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setDefaultValueProvider(new ConfigDefaults());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (parsed.hasMatchedOption("--debug")) ex.printStackTrace();
            cmd.getErr().println("shear: " + ErrorLine.of(ex, cmd));
            return 1;
        });
        cl.setParameterExceptionHandler((ex, argv) -> {
            CommandLine cmd = ex.getCommandLine();
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage().lines().findFirst().orElse("");
            cmd.getErr().println("shear: " + msg + " (see shear " + cmd.getCommandSpec().qualifiedName(" ").replaceFirst("^shear ", "") + " --help)");
            return 1;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {                                    // picocli hands Errors on; the heap is free again here
            CommandLine cmd = cl;
            if (cl.getParseResult() != null) for (CommandLine c : cl.getParseResult().asCommandLineList()) cmd = c;
            if (List.of(args).contains("--debug")) e.printStackTrace();
            cmd.getErr().println("shear: " + ErrorLine.outOfMemory(e, cmd));
            return 1;
        }
    }
}
