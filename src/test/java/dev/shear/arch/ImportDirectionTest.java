package dev.shear.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The package table of docs/architecture.md: dependencies run one way, nothing uses cli, only engine
 * names DJL, and nothing in the core names Apache Spark (the spark module alone does; its own test says how).
 */
class ImportDirectionTest {
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("engine", Set.of()),
            Map.entry("model", Set.of("engine")),
            Map.entry("io", Set.of("model", "engine")),
            Map.entry("data", Set.of("io", "model", "engine")),
            Map.entry("lora", Set.of("model", "engine")),
            Map.entry("train", Set.of("lora", "data", "model", "io", "engine")),
            Map.entry("graph", Set.of("lora", "model", "engine")),
            Map.entry("prune", Set.of("graph", "train", "lora", "data", "model", "io", "engine")),
            Map.entry("recover", Set.of("train", "lora", "data", "model", "io", "engine")),
            Map.entry("eval", Set.of("data", "model", "io", "engine")),
            Map.entry("report", Set.of()),
            Map.entry("plan", Set.of("lora", "model", "engine")),
            Map.entry("distributed", Set.of("prune", "recover", "eval", "graph", "train", "lora", "data", "model", "io", "engine")),
            Map.entry("pipeline", Set.of("distributed", "prune", "recover", "eval", "report", "plan", "graph", "train", "lora", "data", "model", "io", "engine")),
            Map.entry("api", Set.of("pipeline", "distributed", "prune", "recover", "eval", "report", "plan", "graph", "train", "lora", "data", "model", "io", "engine")),
            Map.entry("cli", Set.of("api", "pipeline", "distributed", "prune", "recover", "eval", "report", "plan", "graph", "train", "lora", "data", "model", "io", "engine")));
    /** Any use of another Shear package: an import, or a qualified name in code or Javadoc. */
    static final Pattern REFERENCE = Pattern.compile("\\bdev\\.shear\\.(\\w+)\\.");

    @Test void packagesImportOnlyDownstream() throws IOException {
        List<String> breaks = new ArrayList<>();
        Path root = Path.of("src/main/java/dev/shear");
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(f).getName(0).toString();
                Set<String> allowed = ALLOWED.get(pkg);
                if (allowed == null) {
                    breaks.add(f + ": package " + pkg + " has no row in the import table");
                    continue;
                }
                String text = Files.readString(f).replaceFirst("(?m)^package [^;]+;", "");
                Matcher m = REFERENCE.matcher(text);
                while (m.find())
                    if (!m.group(1).equals(pkg) && !allowed.contains(m.group(1))) breaks.add(f + " uses dev.shear." + m.group(1));
                if (!pkg.equals("engine") && text.contains("ai.djl")) breaks.add(f + " names ai.djl");
                if (text.contains("org.apache.spark")) breaks.add(f + " names org.apache.spark: only the spark module may");
            }
        }
        assertEquals(List.of(), breaks);
    }
}
