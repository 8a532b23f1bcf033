package dev.shear.cli;

import dev.shear.engine.DType;
import dev.shear.pipeline.LoadedLm;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * How a command builds its model: base precision and activation checkpointing. A mixin for the
 * commands that compute (prune, recover, eval, generate, bench memory); {@link LoadedLm#open} applies it.
 */
final class ModelOptions {
    @Option(names = "--base-dtype", defaultValue = "fp32", paramLabel = "fp32|fp16",
            description = "How frozen base weights are held (default: ${DEFAULT-VALUE}); LoRA, optimizer state, activations and the loss stay fp32.")
    String baseDtype;

    @Option(names = "--checkpoint-activations",
            description = "Keep only each decoder layer's input and recompute the layer in backward: less memory, one more forward.")
    boolean checkpointActivations;

    /** The dtype base weights are loaded in. */
    DType baseDtype() {
        return switch (baseDtype.toLowerCase(Locale.ROOT)) {
            case "fp32", "f32", "float32" -> DType.F32;
            case "fp16", "f16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> throw new IllegalArgumentException("--base-dtype bf16 is not supported: the engine aborts on bf16 "
                    + "(docs/device.md); bf16 checkpoints are converted on load, use fp16 or fp32");
            default -> throw new IllegalArgumentException("--base-dtype " + baseDtype + ": expected fp32 or fp16");
        };
    }

    /** The options as {@link LoadedLm#open} takes them. */
    LoadedLm.Options options() { return new LoadedLm.Options(baseDtype(), checkpointActivations); }
}
