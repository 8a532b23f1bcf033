package dev.shear.cli;

import picocli.CommandLine.Command;

@Command(name = "generate", description = "Generate text (wired when io lands).", mixinStandardHelpOptions = true)
final class GenerateCommand implements Runnable {
    @Override public void run() { throw new IllegalStateException("not wired yet"); }
}
