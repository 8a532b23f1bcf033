package dev.shear.pipeline;

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
    /** A copy distilling with these settings. */
    public RecoverySpec withDistill(DistillSettings v) { return new RecoverySpec(pretrain, instruction, lora, checkpointEvery, v); }

    public record Source(String name, String path, String unit, String field, Integer firstLine, Integer lastLine, Integer valParagraphs) {}

    public record Pretrain(List<Source> sources, int minTokens, int rounds, int stepsPerRound, int batch, int seqLen, double lr,
                    int warmupSteps, double tau, double floor, double minImprovement, boolean dynamic) {}

    public record Instruction(boolean enabled, String path, int steps, int batch, int maxLen, double lr, int warmupSteps,
                       int evalEvery, int patience, int valExamples) {}

    public record Lora(List<String> targets, int rank, double alpha, double dropout) {}

    public static RecoverySpec load(Path file) {
        try (InputStream in = file == null ? RecoverySpec.class.getResourceAsStream("recovery-default.yaml") : Files.newInputStream(file)) {
            RecoverySpec s = ConfigYaml.bind(ConfigYaml.read(in, name(file)), RecoverySpec.class, name(file));
            if (s.pretrain() == null || s.pretrain().sources() == null || s.pretrain().sources().isEmpty())
                throw new IllegalArgumentException(name(file) + ": pretrain.sources must list at least one source");
            return s;
        } catch (IOException e) {
            throw new IllegalArgumentException(name(file) + ": cannot read (" + e.getMessage() + ")");
        }
    }

    public static String name(Path file) { return file == null ? "recovery-default.yaml" : file.toString(); }

    public List<SourceSpec> sources(Path specFile) {
        List<SourceSpec> out = new ArrayList<>();
        for (Source s : pretrain.sources())
            out.add(new SourceSpec(s.name(), resolve(specFile, s.path()), null, s.unit(), s.field(),
                    s.firstLine() == null ? 0 : s.firstLine(), s.lastLine() == null ? -1 : s.lastLine(),
                    s.valParagraphs() == null ? 32 : s.valParagraphs()));
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
