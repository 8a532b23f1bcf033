package dev.shear.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.HostTensor;
import dev.shear.io.ModelFolder;
import dev.shear.testing.Golden;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java example is this program, and it runs: stories260K pruned by 20%, recovered briefly, saved and exported. */
class PruneStoriesTest {
    @Test void readmeShowsThisExampleVerbatim() throws Exception {
        String example = Files.readString(Path.of("src/test/java/dev/shear/examples/PruneStories.java"));
        String readme = Files.readString(Path.of("README.md"));
        assertTrue(readme.contains("```java\n" + example + "```"), "README.md's Java example differs from PruneStories.java");
    }

    @Test void prunesRecoversAndWritesTheModel(@TempDir Path tmp) throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            PruneStories.main(new String[] {tmp.toString()});
        } finally {
            System.setOut(stdout);
        }
        String printed = buf.toString();
        stdout.print(printed);
        assertTrue(printed.contains("wanda-sp removed 20.0% of 260032 parameters"), printed);
        assertTrue(printed.contains("1 recovery round(s)"), printed);
        long original = ModelFolder.load(Golden.storiesBin()).weights().values().stream().mapToLong(HostTensor::numel).sum();
        long saved = ModelFolder.load(tmp.resolve("hf")).weights().values().stream().mapToLong(HostTensor::numel).sum();
        assertEquals(0.2, 1.0 - (double) saved / original, 0.005);
        assertTrue(Files.size(tmp.resolve("model.gguf")) > 4 * saved, "the GGUF holds the f32 weights");
    }
}
