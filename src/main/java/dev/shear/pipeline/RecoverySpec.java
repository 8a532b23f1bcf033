package dev.shear.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.data.DataPaths;
import dev.shear.data.SourceSpec;
import dev.shear.lora.LoraConfig;
import dev.shear.recover.InstructionTuning;
import dev.shear.recover.MixtureSettings;
import dev.shear.recover.RecoverySettings;
import dev.shear.train.DistillSettings;
import dev.shear.train.TrainingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The recovery spec file (YAML): sources, budgets, LoRA, distillation. Unknown keys are errors that name the key.
 *
 * @param distill distillation from the original model during the pretraining-mixture rounds; absent: off
 */
public record RecoverySpec(Pretrain pretrain, Instruction instruction, Lora lora, int checkpointEvery, DistillSettings distill) {
    public RecoverySpec {
        if (pretrain == null) throw new IllegalArgumentException("pretrain is missing, expected a mapping with sources");
        if (lora == null) throw new IllegalArgumentException("lora is missing, expected {targets, rank, alpha, dropout}");
        if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint_every " + checkpointEvery + " must be >= 0");
    }

    /** A copy distilling with these settings. */
    public RecoverySpec withDistill(DistillSettings v) { return new RecoverySpec(pretrain, instruction, lora, checkpointEvery, v); }

    public record Source(String name, String path, String unit, String field, Integer firstLine, Integer lastLine, Integer valParagraphs) {}

    public record Pretrain(List<Source> sources, int minTokens, int rounds, int stepsPerRound, int batch, int seqLen, double lr,
                    int warmupSteps, double tau, double floor, double minImprovement, boolean dynamic) {
        public Pretrain {
            if (sources == null || sources.isEmpty() || sources.stream().anyMatch(java.util.Objects::isNull))
                throw new IllegalArgumentException("sources must list at least one source");
            sources = List.copyOf(sources);
        }
    }

    public record Instruction(boolean enabled, String path, int steps, int batch, int maxLen, double lr, int warmupSteps,
                       int evalEvery, int patience, int valExamples) {}

    public record Lora(List<String> targets, int rank, double alpha, double dropout) {}

    /**
     * Reads and checks a spec: every value through the settings records it builds, every source
     * through its {@link SourceSpec}; an error names the file and the key.
     */
    public static RecoverySpec load(Path file) {
        if (file != null && !Files.exists(file)) throw new IllegalArgumentException(file + ": recovery spec not found");
        try (InputStream in = file == null ? RecoverySpec.class.getResourceAsStream("recovery-default.yaml") : null) {
            JsonNode tree = file == null ? ConfigYaml.read(in, name(file)) : ConfigYaml.read(file);
            if (tree == null || !tree.isObject()) throw new IllegalArgumentException(name(file) + ": expected a YAML mapping with pretrain and lora");
            RecoverySpec s = ConfigYaml.bind(tree, RecoverySpec.class, name(file));
            s.check(name(file), file);
            return s;
        } catch (IOException e) {
            throw new IllegalArgumentException(name(file) + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** Builds what the stages will build from this spec, so a bad value fails here with the file's name and the key. */
    void check(String file, Path specFile) {
        checked(file, "pretrain", () -> settings(0));
        checked(file, "lora", () -> loraConfig(0));
        if (instruction != null) checked(file, "instruction", () -> instructionSettings(0));
        checked(file, "pretrain.sources", () -> sources(specFile));
    }

    /** "spec.yaml: pretrain.batch 0 must be in 1..65536" when the record's message starts with its key, else "spec.yaml: pretrain: ...". */
    private static void checked(String file, String section, Runnable build) {
        try {
            build.run();
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new IllegalArgumentException(file + ": " + section + (m.matches("[a-z_]+ .*") ? "." : ": ") + m);
        }
    }

    public static String name(Path file) { return file == null ? "recovery-default.yaml" : file.toString(); }

    public List<SourceSpec> sources(Path specFile) {
        List<SourceSpec> out = new ArrayList<>();
        for (Source s : pretrain.sources()) {
            if (s.path() == null || s.path().isBlank()) throw new IllegalArgumentException("source " + s.name() + ": path is required");
            out.add(new SourceSpec(s.name(), resolve(specFile, s.path()), null, s.unit(), s.field(),
                    s.firstLine() == null ? 0 : s.firstLine(), s.lastLine() == null ? -1 : s.lastLine(),
                    s.valParagraphs() == null ? 32 : s.valParagraphs()));
        }
        return out;
    }

    public RecoverySettings settings(long seed) {
        Pretrain p = pretrain;
        return new RecoverySettings(p.rounds(), p.stepsPerRound(), p.warmupSteps(), p.minImprovement(),
                new MixtureSettings(p.dynamic(), p.tau(), p.floor(), p.minTokens()),
                new TrainingSettings(p.lr(), p.batch(), p.seqLen(), checkpointEvery, loraConfig(seed))
                        .withDistill(distill == null ? DistillSettings.OFF : distill), seed);
    }

    public InstructionTuning.Settings instructionSettings(long seed) {
        Instruction i = instruction;
        return new InstructionTuning.Settings(i.steps(), i.batch(), i.maxLen(), i.lr(), i.warmupSteps(), i.evalEvery(), i.patience(),
                i.valExamples(), loraConfig(seed + 101), seed);
    }

    public LoraConfig loraConfig(long seed) { return new LoraConfig(lora.targets(), lora.rank(), lora.alpha(), lora.dropout(), seed); }

    /** Relative to the spec's folder first, then to the shared data folder. */
    public static Path resolve(Path specFile, String path) {
        Path p = Path.of(path);
        if (p.isAbsolute()) return p;
        if (specFile != null) {
            Path near = specFile.toAbsolutePath().getParent().resolve(p);
            if (Files.exists(near)) return near;
        }
        return DataPaths.data(path);
    }
}
