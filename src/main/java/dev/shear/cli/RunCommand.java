package dev.shear.cli;

import dev.shear.pipeline.Pipeline;
import dev.shear.pipeline.PipelineConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", description = "The whole pipeline from a config: graph, KDA, pruning, compaction, recovery, evaluation, report.",
        mixinStandardHelpOptions = true)
final class RunCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--config", description = "Pipeline YAML (missing keys take the documented defaults).") Path config;
    @Option(names = "--out", description = "Overrides the config's output folder.") String out;
    @Option(names = "--distill", description = "Distil from the original model while pruning and recovering: alpha=A,t=T,k=K|all, or off; overrides the config.") String distill;
    @Option(names = "--resume", description = "Continue a run that stopped: finished stages are skipped, long ones resume from checkpoints.") boolean resume;
    @Mixin ClusterOptions cluster;

    @Spec CommandSpec spec;

    @Override public void run() {
        PipelineConfig cfg = PipelineConfig.load(config);
        if (out != null) cfg = cfg.withOutput(out);
        if (spec.commandLine().getParseResult().hasMatchedOption("--seed")) cfg = cfg.withSeed(common.seed);     // the command line wins over the config
        if (distill != null) cfg = cfg.withDistill(Choices.distill("--distill", distill));
        if (cluster.active()) {                            // the command line's cluster replaces the config's spark section
            List<String> conf = new ArrayList<>();
            cluster.conf.forEach((k, v) -> conf.add(k + "=" + v));
            cfg = cfg.withSpark(new PipelineConfig.Spark(cluster.master, conf));
        }
        common.seed = cfg.seed();
        common.apply();
        Path report = new Pipeline(cfg, ConsoleProgress.root()).run(resume);
        System.out.println("report: " + report.toAbsolutePath() + " (and report.md beside it)");
    }
}
