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

/** The package map of docs/architecture (style.md): dependencies run one way, and only engine names DJL. */
class ImportDirectionTest {
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("engine", Set.of()),
            Map.entry("model", Set.of("engine")),
            Map.entry("io", Set.of("model", "engine")),
            Map.entry("data", Set.of("io", "model", "engine")),
            Map.entry("lora", Set.of("model", "engine")),
            Map.entry("train", Set.of("lora", "data", "model", "engine")),
            Map.entry("graph", Set.of("lora", "model", "engine")),
            Map.entry("prune", Set.of("graph", "train", "lora", "data", "model", "io", "engine")),
            Map.entry("recover", Set.of("train", "lora", "data", "model", "io", "engine")),
            Map.entry("eval", Set.of("data", "model", "io", "engine")),
            Map.entry("report", Set.of("prune", "recover", "eval")),
            Map.entry("plan", Set.of("lora", "model", "engine")));
    static final Pattern IMPORT = Pattern.compile("^import (?:static )?(dev\\.shear\\.(\\w+)|ai\\.djl)\\b", Pattern.MULTILINE);

    @Test void packagesImportOnlyDownstream() throws IOException {
        List<String> breaks = new ArrayList<>();
        Path root = Path.of("src/main/java/dev/shear");
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(f).getName(0).toString();
                if (pkg.equals("cli") || pkg.equals("pipeline")) continue;
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    if (m.group(1).equals("ai.djl")) {
                        if (!pkg.equals("engine")) breaks.add(f + " imports ai.djl");
                    } else if (!m.group(2).equals(pkg) && !ALLOWED.get(pkg).contains(m.group(2))) {
                        breaks.add(f + " imports dev.shear." + m.group(2));
                    }
                }
                String text = Files.readString(f);
                if (!pkg.equals("engine") && text.contains("ai.djl.")) breaks.add(f + " names ai.djl");
            }
        }
        assertEquals(List.of(), breaks);
    }
}
