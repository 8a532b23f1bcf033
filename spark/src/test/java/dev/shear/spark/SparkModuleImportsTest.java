package dev.shear.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The spark module's row of the import table (docs/architecture.md): it implements the core's
 * Shards and nothing more, so it may use only distributed and engine; the core's own test checks
 * that no core file names org.apache.spark.
 */
class SparkModuleImportsTest {
    static final Set<String> ALLOWED = Set.of("spark", "distributed", "engine");
    static final Pattern REFERENCE = Pattern.compile("\\bdev\\.shear\\.(\\w+)\\.");

    @Test void theModuleUsesOnlyTheDistributedApiAndTheEngine() throws IOException {
        Path root = Path.of("spark/src/main/java");
        List<String> breaks = new ArrayList<>();
        int files = 0;
        try (var walk = Files.walk(root)) {
            for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                Matcher m = REFERENCE.matcher(Files.readString(f));
                while (m.find()) if (!ALLOWED.contains(m.group(1))) breaks.add(f + " uses dev.shear." + m.group(1));
            }
        }
        assertTrue(files > 0, "no sources under " + root.toAbsolutePath());
        assertEquals(List.of(), breaks);
    }
}
