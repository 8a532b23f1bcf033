package dev.shear.distributed;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cluster to run on: a Spark master URL (local[N], spark://host:port, yarn, k8s://...) and any
 * further Spark properties, passed through as given.
 *
 * @param device cpu, or cuda: each executor then gets one GPU through Spark's resource scheduling
 */
public record ClusterSettings(String master, Map<String, String> conf, String device) implements Serializable {
    public ClusterSettings {
        if (master == null || master.isBlank()) throw new IllegalArgumentException("spark: the master URL is empty");
        conf = new LinkedHashMap<>(conf == null ? Map.of() : conf);
        device = device == null ? "cpu" : device;
        if (!device.equals("cpu") && !device.startsWith("cuda"))
            throw new IllegalArgumentException("spark: device " + device + " must be cpu or cuda (one GPU per executor)");
    }

    public static ClusterSettings of(String master) { return new ClusterSettings(master, Map.of(), "cpu"); }

    public ClusterSettings withConf(Map<String, String> more) {
        Map<String, String> c = new LinkedHashMap<>(conf);
        c.putAll(more);
        return new ClusterSettings(master, c, device);
    }

    public ClusterSettings withDevice(String d) { return new ClusterSettings(master, conf, d); }

    public boolean gpus() { return device.startsWith("cuda"); }

    /** The engine's environment as this process has it, which executors need too (the launcher sets it: DJL offline, threads, MKL). */
    static final java.util.List<String> ENGINE_ENVIRONMENT = java.util.List.of("DJL_OFFLINE", "OPT_OUT_TRACKING", "OMP_WAIT_POLICY", "MKL_CBWR",
            "GLIBC_TUNABLES", "DJL_CACHE_DIR", "LD_PRELOAD");

    /**
     * What executors' environments need: the engine's variables as set here, and SHEAR_DATA made
     * absolute (executors run in their own working directories, so ../shared/data would not find it).
     */
    public static Map<String, String> executorEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String k : ENGINE_ENVIRONMENT) if (System.getenv(k) != null) env.put(k, System.getenv(k));
        java.nio.file.Path data = dev.shear.data.DataPaths.sharedDataOrNull();
        if (data != null) env.put("SHEAR_DATA", data.toAbsolutePath().normalize().toString());
        return env;
    }
}
