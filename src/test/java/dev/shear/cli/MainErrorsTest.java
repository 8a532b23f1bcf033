package dev.shear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: one line naming the file and the problem, a non-zero exit, and no output left behind. */
class MainErrorsTest {
    static String[] run(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            int rc = Main.execute(args);
            return new String[] {String.valueOf(rc), buf.toString()};
        } finally {
            System.setErr(err);
        }
    }

    @Test void truncatedCheckpointIsOneLineAndNonZero(@TempDir Path tmp) throws Exception {
        Path bin = tmp.resolve("broken.bin");
        byte[] good = Files.readAllBytes(dev.shear.testing.Golden.storiesBin());
        Files.write(bin, java.util.Arrays.copyOf(good, 5000));
        Files.copy(dev.shear.testing.Golden.storiesBin().resolveSibling("tok512.bin"), tmp.resolve("tok512.bin"));
        String[] r = run("convert", "--model", bin.toString(), "--out", tmp.resolve("out").toString());
        assertEquals("1", r[0]);
        assertEquals(1, r[1].strip().lines().count(), r[1]);
        assertTrue(r[1].contains("broken.bin"), r[1]);
        assertFalse(Files.exists(tmp.resolve("out")), "no partial output");
    }

    @Test void unknownConfigKeyIsNamed(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("c.yaml");
        Files.writeString(cfg, "prune: {ratio: 0.2, ratoi: 3}\n");
        String[] r = run("run", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("ratoi") && r[1].contains("c.yaml"), r[1]);
    }

    @Test void badPruneDataAndLrShapeAreNamedBeforeAnyOutput(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("c.yaml");
        Files.writeString(cfg, "prune: {data: books}\n");
        String[] r = run("run", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals("1", r[0]);
        assertEquals("shear: " + cfg + ": prune.data 'books': expected dynamic, mixture or tinystories", r[1].strip());
        Files.writeString(cfg, "prune: {schedule: {lr_shape: linear}}\n");
        r = run("run", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals("shear: " + cfg + ": prune.schedule.lr_shape 'linear': expected constant or cosine", r[1].strip());
        Files.writeString(cfg, "prune: {allocation: even}\n");
        r = run("run", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals("shear: " + cfg + ": prune.allocation 'even': expected auto, uniform, kda or joint", r[1].strip());
        assertFalse(Files.exists(tmp.resolve("o")), "no partial output");
    }

    @Test void kdaAllocationWithoutKdaIsRefusedBeforeAnyOutput(@TempDir Path tmp) throws Exception {
        String[] r = run("prune", "--allocation", "kda", "--kda-ratios", "none", "--out", tmp.resolve("o").toString());
        assertEquals("1", r[0]);
        assertEquals("shear: --allocation kda needs KDA: drop --kda-ratios none", r[1].strip());
        assertFalse(Files.exists(tmp.resolve("o")), "no partial output");
    }

    @Test void yamlSyntaxErrorIsOneLineWithItsPosition(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("c.yaml");
        Files.writeString(cfg, "prune:\n  ratio: 0.2\n   warmup: 3\n");
        String[] r = run("run", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals("1", r[0]);
        assertEquals("shear: " + cfg + ": line 3, column 10: mapping values are not allowed here", r[1].strip());
        assertFalse(Files.exists(tmp.resolve("o")), "no partial output");
    }

    @Test void missingTokenizerIsNamed(@TempDir Path tmp) throws Exception {
        Path bin = tmp.resolve("m.bin");
        Files.copy(dev.shear.testing.Golden.storiesBin(), bin);
        String[] r = run("generate", "--model", bin.toString(), "--max-new-tokens", "2");
        assertEquals("1", r[0]);
        assertEquals(1, r[1].strip().lines().count(), r[1]);
    }
}
