package dev.shear.io;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Locates the shared read-only data: $SHEAR_DATA, else ../shared/data, else /work/shared/data. */
final class TestData {
    private TestData() {}

    static Path dir() {
        String env = System.getenv("SHEAR_DATA");
        if (env != null && Files.isDirectory(Path.of(env))) return Path.of(env);
        Path rel = Path.of("..", "shared", "data").toAbsolutePath().normalize();
        if (Files.isDirectory(rel)) return rel;
        return Path.of("/work/shared/data");
    }

    static Path file(String relative) {
        Path p = dir().resolve(relative);
        Assumptions.assumeTrue(Files.isRegularFile(p), "shared data file missing: " + p);
        return p;
    }

    static Path stories260K() { return file("stories260K/stories260K.bin"); }

    static Path tok512() { return file("stories260K/tok512.bin"); }
}
