package dev.shear.cli;

import dev.shear.engine.DType;
import dev.shear.engine.Device;
import dev.shear.engine.Engine;
import dev.shear.model.CausalLm;
import picocli.CommandLine.Option;

/** Options every command takes. */
public final class CommonOptions {
    @Option(names = "--debug", description = "Print stack traces on errors.")
    boolean debug;

    @Option(names = "--threads", description = "libtorch intra-op threads (default: all cores).")
    Integer threads;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).", defaultValue = "0")
    long seed;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda[:N]",
            description = "Where tensors live (default: ${DEFAULT-VALUE}); cuda needs the CUDA build of libtorch, see docs/device.md.")
    String device;

    @Option(names = "--base-dtype", defaultValue = "fp32", paramLabel = "fp32|fp16",
            description = "How frozen base weights are held (default: ${DEFAULT-VALUE}); LoRA, optimizer state, activations and the loss stay fp32.")
    String baseDtype;

    @Option(names = "--checkpoint-activations",
            description = "Keep only each decoder layer's input and recompute the layer in backward: less memory, one more forward.")
    boolean checkpointActivations;

    /** Selects the device (failing in one line when it is missing), threads and seed. */
    void apply() {
        Engine.useDevice(device());
        if (threads != null) Engine.setThreads(threads);
        Engine.seed(seed);
    }

    Device device() { return Device.parse(device); }

    /** The dtype base weights are loaded in. */
    DType baseDtype() {
        return switch (baseDtype.toLowerCase(java.util.Locale.ROOT)) {
            case "fp32", "f32", "float32" -> DType.F32;
            case "fp16", "f16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> throw new IllegalArgumentException("--base-dtype bf16 is not supported: the engine aborts on bf16 "
                    + "(docs/device.md); bf16 checkpoints are converted on load, use fp16 or fp32");
            default -> throw new IllegalArgumentException("--base-dtype " + baseDtype + ": expected fp32 or fp16");
        };
    }

    /** Applies the model-level flags (activation checkpointing) to a freshly built model. */
    CausalLm configure(CausalLm model) {
        model.setCheckpointActivations(checkpointActivations);
        return model;
    }
}
