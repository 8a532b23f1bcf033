package dev.shear.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.distributed.ClusterSettings;
import dev.shear.distributed.Shards;
import dev.shear.engine.Progress;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SparkShards' contract on Spark in local mode with retries (local[2,3]: two threads, a task may fail
 * three times): outputs in input order, a failure of the executor's making retried until it passes,
 * bad input failing the job at once with its own first line.
 */
class SparkShardsTest {
    private static Shards spark;

    @BeforeAll static void start() { spark = Shards.connect(ClusterSettings.of("local[2,3]")); }

    @AfterAll static void stop() { if (spark != null) spark.close(); }

    static List<Integer> inputs() {
        List<Integer> in = new ArrayList<>();
        for (int i = 0; i < 9; i++) in.add(i);
        return in;
    }

    @Test void outputsComeBackInInputOrder() {
        assertEquals(List.of(0, 1, 4, 9, 16, 25, 36, 49, 64), spark.map("squares", inputs(), i -> i * i, Progress.NONE));
        List<Integer> seen = new ArrayList<>();
        assertEquals(List.of(0, 2, 4, 6, 8, 10, 12, 14, 16), spark.map("doubles", inputs(), i -> 2 * i, Progress.NONE, seen::add));
        seen.sort(null);
        assertEquals(List.of(0, 2, 4, 6, 8, 10, 12, 14, 16), seen, "each output handed over once");
    }

    /** An engine crash or lost executor looks like this to Spark: any other exception. Attempts 0 and 1 fail, attempt 2 passes. */
    @Test void aTaskThatFailsForTheExecutorsReasonIsRetried() {
        List<Integer> out = spark.map("flaky", inputs(), i -> {
            if (i % 4 == 1 && TaskContext.get().attemptNumber() < 2) throw new RuntimeException("executor " + i + " lost (simulated)");
            return i + 100;
        }, Progress.NONE);
        assertEquals(List.of(100, 101, 102, 103, 104, 105, 106, 107, 108), out);
    }

    @Test void badInputFailsTheJobWithItsOwnFirstLineAndIsNotRetried() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spark.map("bad", inputs(), i -> {
            if (i == 5) {
                if (TaskContext.get().attemptNumber() > 0) throw new AssertionError("bad input was retried");
                throw new IllegalArgumentException("/models/x.bin: sha256 abc on this executor, def on the driver\nsecond line");
            }
            return i;
        }, Progress.NONE));
        assertEquals("/models/x.bin: sha256 abc on this executor, def on the driver", e.getMessage());
    }

    @Test void aTaskThatKeepsFailingFailsTheJobInOneLine() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> spark.map("broken", inputs(), i -> {
            if (i == 3) throw new UnsupportedOperationException("engine crashed");
            return i;
        }, Progress.NONE));
        assertTrue(e.getMessage().startsWith("spark job broken failed: "), e.getMessage());
        assertTrue(e.getMessage().contains("engine crashed"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
