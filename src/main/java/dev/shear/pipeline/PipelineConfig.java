package dev.shear.pipeline;

import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.shear.lora.LoraConfig;
import dev.shear.prune.Allocation;
import dev.shear.prune.KdaSettings;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneSettings;
import dev.shear.train.TrainingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The `./shear run` config. Defaults come from the built-in demo config; unknown keys are errors that name the key. */
public record PipelineConfig(String model, String output, long seed, Prune prune, Recovery recovery, Evaluation evaluation) {
    /** @param data dynamic (the recovery spec's sources, re-weighted at each LHSPG period), mixture (the same, uniformly) or tinystories (lines below 2700) */
    public record Prune(double ratio, String method, int warmup, int periods, int periodLength, String lrShape, String data, double lr, int batch, int seqLen,
                 List<Double> kdaRatios, double gammaU, String allocation, int calibBatches, int checkpointEvery, int align, String alignRound) {
        dev.shear.model.WidthAlignment alignment() { return dev.shear.model.WidthAlignment.parse(align, alignRound); }

        public PruneSettings settings(long seed) {
            LhspgSchedule schedule = new LhspgSchedule(warmup, periods, periodLength, 0, 0.0, LhspgSchedule.LrShape.valueOf(lrShape.toUpperCase()));
            return new PruneSettings(Method.parse(method), ratio, Allocation.valueOf(allocation.toUpperCase()), alignment(), calibBatches, schedule,
                    new TrainingSettings(lr, batch, seqLen, checkpointEvery, LoraConfig.paperDefaults(seed)), new KdaSettings(kdaRatios, gammaU), seed);
        }
    }

    public record Recovery(String spec, Integer rounds, Integer stepsPerRound, Integer checkpointEvery) {}

    public record Evaluation(List<String> ppl, int pplTokens, List<String> zeroshotTasks, int zeroshotLimit) {}

    public static PipelineConfig load(Path file) {
        try (InputStream defaults = PipelineConfig.class.getResourceAsStream("pipeline-demo.yaml")) {
            com.fasterxml.jackson.databind.node.ObjectNode base = (com.fasterxml.jackson.databind.node.ObjectNode) RecoverySpec.YAML.readTree(defaults);
            if (file != null) {
                if (!Files.exists(file)) throw new IllegalArgumentException(file + ": config file not found");
                try (InputStream in = Files.newInputStream(file)) {
                    com.fasterxml.jackson.databind.JsonNode user = RecoverySpec.YAML.readTree(in);
                    if (user != null && !user.isNull()) {
                        if (!user.isObject()) throw new IllegalArgumentException(file + ": expected a YAML mapping at the top");
                        merge(base, user);
                    }
                }
            }
            PipelineConfig c = RecoverySpec.YAML.treeToValue(base, PipelineConfig.class);
            c.validate(file);
            return c;
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(file + ": unknown key '" + e.getPropertyName() + "' (known: " + e.getKnownPropertyIds() + ")");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": " + RecoverySpec.yamlProblem(e));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** User values override defaults key by key; nested mappings merge, lists replace. */
    private static void merge(com.fasterxml.jackson.databind.node.ObjectNode base, com.fasterxml.jackson.databind.JsonNode user) {
        user.fields().forEachRemaining(e -> {
            com.fasterxml.jackson.databind.JsonNode b = base.get(e.getKey());
            if (b != null && b.isObject() && e.getValue().isObject()) merge((com.fasterxml.jackson.databind.node.ObjectNode) b, e.getValue());
            else base.set(e.getKey(), e.getValue());
        });
    }

    public void validate(Path file) {
        if (prune.ratio() <= 0 || prune.ratio() >= 1) throw new IllegalArgumentException(file + ": prune.ratio " + prune.ratio() + " must be in (0, 1)");
        dev.shear.prune.Method.parse(prune.method());
        try {
            prune.alignment();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": prune." + e.getMessage().replace("--align-round", "align_round").replace("--align", "align"));
        }
        try {
            PruneJob.DataKind.parse(prune.data());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": prune.data " + e.getMessage());
        }
        if (!List.of("auto", "uniform", "kda").contains(prune.allocation()))
            throw new IllegalArgumentException(file + ": prune.allocation '" + prune.allocation() + "': expected auto, uniform or kda");
        if (!List.of("constant", "cosine").contains(prune.lrShape()))
            throw new IllegalArgumentException(file + ": prune.lr_shape '" + prune.lrShape() + "': expected constant or cosine");
        if (output == null || output.isBlank()) throw new IllegalArgumentException(file + ": output must name a folder");
        for (String t : evaluation.zeroshotTasks()) dev.shear.eval.ZeroShotTask.parse(t);
    }

    public PipelineConfig withOutput(String out) { return new PipelineConfig(model, out, seed, prune, recovery, evaluation); }
}
