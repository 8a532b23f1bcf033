package dev.shear.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Small file-system chores of the commands. */
public final class Files2 {
    private Files2() {}

    public static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        } catch (IOException e) {
            throw new IllegalStateException(p + ": cannot delete (" + e.getMessage() + ")");
        }
    }
}
