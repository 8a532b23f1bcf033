package dev.shear.cli;

import dev.shear.engine.Device;
import dev.shear.engine.Engine;
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

    /** Selects the device (failing in one line when it is missing), threads and seed. */
    void apply() {
        Device d = validate();
        Engine.useDevice(d);
        if (threads != null) Engine.setThreads(threads);
        Engine.seed(seed);
    }

    /**
     * Checks the values without touching the engine (for commands that never start it): the device
     * this names, and a thread count within bounds.
     */
    Device validate() {
        if (threads != null && (threads < 1 || threads > maxThreads()))
            throw new IllegalArgumentException("--threads " + threads + " must be in 1.." + maxThreads() + " (4 x the "
                    + Runtime.getRuntime().availableProcessors() + " cores, at least 64)");
        return device();
    }

    /** More threads than this only oversubscribe the cores; far more exhaust the machine. */
    static int maxThreads() { return Math.max(64, 4 * Runtime.getRuntime().availableProcessors()); }

    /** Threads and seed, but not the device: the work runs on a cluster's executors, which take the device instead. */
    void applyWithoutDevice() {
        device();                                  // still refuse a malformed --device here
        if (threads != null) Engine.setThreads(threads);
        Engine.seed(seed);
    }

    Device device() { return Choices.option("--device", device, Device::parse); }
}
