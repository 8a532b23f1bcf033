package dev.shear.cli;

import dev.shear.distributed.ClusterSettings;
import dev.shear.distributed.Shards;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The cluster mode's options (docs/distributed.md); without --spark-master nothing here is used and Spark is never loaded. */
public final class ClusterOptions {
    @Option(names = "--spark-master", paramLabel = "URL",
            description = "Run the data-parallel work on Apache Spark: local[N], spark://host:port, yarn or k8s://... Executors read the model and data at the driver's paths (docs/distributed.md).")
    String master;

    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE", description = "A Spark property, repeatable (e.g. spark.executor.memory=4g).")
    Map<String, String> conf = new LinkedHashMap<>();

    boolean active() { return master != null; }

    /** The settings, or null without a master; executors get the given device (cuda: one GPU each). */
    ClusterSettings settings(String device) {
        return master == null ? null : new ClusterSettings(master, conf, device.startsWith("cuda") ? "cuda" : "cpu");
    }

    /** Connects, or null without a master. */
    Shards open(String device) { return master == null ? null : Shards.connect(settings(device)); }
}
