package dev.shear.cli;

import dev.shear.io.AtomicFiles;
import dev.shear.io.OutputPaths;
import dev.shear.pipeline.Pipeline;
import dev.shear.pipeline.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "The pipeline on stories260K at 20%% with a short LoRA budget, far below the converged protocol of bench quality (about 3.5 minutes on 2 cores).",
        mixinStandardHelpOptions = true)
final class DemoCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--out", defaultValue = "runs/demo", description = "Run folder (default ${DEFAULT-VALUE}); an old demo there is replaced.") Path out;

    @Override public void run() {
        PipelineConfig cfg = PipelineConfig.load(null).withOutput(out.toString());
        Path resolved = out.resolve("config.resolved.yaml");
        boolean demo = Files.exists(resolved) && PipelineConfig.load(resolved).withOutput(out.toString()).equals(cfg);
        if (Files.exists(resolved) && !demo)
            throw new IllegalArgumentException("--out " + out + " holds another run (its config.resolved.yaml is not the demo's); choose another --out, "
                    + "or continue that run with ./shear run --config " + resolved + " --out " + out + " --resume");
        boolean resume = demo && !Files.exists(out.resolve("stage-report.done"));
        OutputPaths.requireApart("--out", out, Inputs.of(null, null));
        if (demo && !resume) AtomicFiles.deleteTree(out);           // a finished demo is replaced; any other folder is refused by the run
        common.apply();
        Path report = new Pipeline(cfg, ConsoleProgress.root()).run(resume);
        System.out.println("report: " + report.toAbsolutePath() + " (and report.md beside it)");
    }
}
