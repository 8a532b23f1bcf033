package dev.shear.spark;

import dev.shear.distributed.ClusterAgreement;
import dev.shear.distributed.ClusterSettings;
import dev.shear.distributed.Shards;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The core's agreement tests on Spark in local mode: two executor threads in this JVM, tasks and results serialized by Spark. */
class SparkLocalAgreementTest extends ClusterAgreement {
    private static Shards spark;

    @BeforeAll static void start() { spark = Shards.connect(ClusterSettings.of("local[2]")); }

    @AfterAll static void stop() { if (spark != null) spark.close(); }

    @Override protected Shards shards() { return spark; }

    @Override protected int slots() { return 2; }
}
