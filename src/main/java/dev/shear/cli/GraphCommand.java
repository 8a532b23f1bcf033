package dev.shear.cli;

import dev.shear.graph.DependencyGraph;
import dev.shear.graph.GraphReport;
import dev.shear.io.AtomicFiles;
import dev.shear.io.OutputPaths;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.pipeline.LoadedLm;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "graph", description = "Trace the model (with LoRA) and print its node groups and removable structures.", mixinStandardHelpOptions = true)
final class GraphCommand implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--model", description = "Model path (default: stories260K).") Path model;
    @Option(names = "--tokenizer") Path tokenizer;
    @Option(names = "--lora-targets", defaultValue = "q,k,v,o,gate,up", description = "Comma-separated LoRA targets, or 'none'.") String targets;
    @Option(names = "--json", description = "Write the groups as JSON.") Path json;
    @Option(names = "--dot", description = "Write the op graph as Graphviz DOT, groups coloured.") Path dot;

    @Override public void run() {
        common.apply();
        LoraConfig lora = targets.equals("none") ? null
                : Choices.option("--lora-targets", targets, t -> new LoraConfig(Arrays.asList(t.split(",")), 8, 16, 0.0, common.seed));
        if (json != null) OutputPaths.check("--json", json, OutputPaths.Kind.REPORT, false, Inputs.of(model, tokenizer));
        if (dot != null) OutputPaths.check("--dot", dot, OutputPaths.Kind.REPORT, false, Inputs.of(model, tokenizer));
        if (json != null && dot != null && json.toAbsolutePath().normalize().equals(dot.toAbsolutePath().normalize()))
            throw new IllegalArgumentException("--json and --dot are both " + json + ", expected two files");
        try (LoadedLm lm = LoadedLm.open(model, tokenizer)) {
            if (lora != null) LoraAdapters.insert(lm.model(), lora);
            GraphReport report = DependencyGraph.trace(lm.model()).report();
            System.out.print(report.table());
            if (json != null) AtomicFiles.writeString(json, report.toJson());
            if (dot != null) AtomicFiles.writeString(dot, report.toDot());
        }
    }
}
