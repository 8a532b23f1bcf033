package dev.shear.pipeline;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.shear.data.DataPaths;
import dev.shear.data.SourceSpec;
import dev.shear.lora.LoraConfig;
import dev.shear.recover.InstructionTuning;
import dev.shear.recover.RecoverySettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The recovery spec file (YAML): sources, budgets, LoRA. Unknown keys are errors that name the key. */
public record RecoverySpec(Pretrain pretrain, Instruction instruction, Lora lora, int checkpointEvery) {
    public record Source(String name, String path, String unit, String field, Integer firstLine, Integer lastLine, Integer valParagraphs) {}

    public record Pretrain(List<Source> sources, int minTokens, int rounds, int stepsPerRound, int batch, int seqLen, double lr,
                    int warmupSteps, double tau, double floor, double minImprovement, boolean dynamic) {}

    public record Instruction(boolean enabled, String path, int steps, int batch, int maxLen, double lr, int warmupSteps,
                       int evalEvery, int patience, int valExamples) {}

    public record Lora(List<String> targets, int rank, double alpha, double dropout) {}

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public static RecoverySpec load(Path file) {
        try (InputStream in = file == null ? RecoverySpec.class.getResourceAsStream("recovery-default.yaml") : Files.newInputStream(file)) {
            RecoverySpec s = YAML.readValue(in, RecoverySpec.class);
            if (s.pretrain() == null || s.pretrain().sources() == null || s.pretrain().sources().isEmpty())
                throw new IllegalArgumentException(name(file) + ": pretrain.sources must list at least one source");
            return s;
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(name(file) + ": unknown key '" + e.getPropertyName() + "' (known: " + e.getKnownPropertyIds() + ")");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(name(file) + ": " + yamlProblem(e));
        } catch (IOException e) {
            throw new IllegalArgumentException(name(file) + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** A parser error on one line: where, and the parser's own lines without the quoted source and caret. */
    public static String yamlProblem(com.fasterxml.jackson.core.JsonProcessingException e) {
        String what = e.getOriginalMessage().lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .collect(java.util.stream.Collectors.joining("; "));
        var at = e.getLocation();
        return (at == null || at.getLineNr() < 1 ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ")
                + (what.isEmpty() ? "invalid YAML" : what);
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
        return new RecoverySettings(p.rounds(), p.stepsPerRound(), p.batch(), p.seqLen(), p.lr(), p.warmupSteps(), p.tau(), p.floor(),
                p.minImprovement(), p.minTokens(), loraConfig(seed), checkpointEvery, seed, p.dynamic());
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
