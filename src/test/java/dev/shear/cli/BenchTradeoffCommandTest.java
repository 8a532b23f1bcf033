package dev.shear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench tradeoff and export --dtype: bad input is one line, a non-zero exit, and nothing written. */
class BenchTradeoffCommandTest {
    @Test void unknownDtypeIsRefusedBeforeAnything(@TempDir Path tmp) {
        String[] r = MainErrorsTest.run("bench", "tradeoff", "--dtypes", "f16,q3_k", "--out", tmp.resolve("o").toString());
        assertEquals("1", r[0]);
        assertEquals("shear: dtype 'q3_k': expected f32, f16, q8_0, q4_0, q4_k or q4_k_m", r[1].strip());
        assertFalse(Files.exists(tmp.resolve("o")));
    }

    @Test void missingLlamaCppIsNamedBeforeAnyPruning(@TempDir Path tmp) {
        String[] r = MainErrorsTest.run("bench", "tradeoff", "--llamacpp", tmp.resolve("nowhere").toString(), "--out", tmp.resolve("o").toString());
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("node-llama-cpp not found") && r[1].contains("run-check.sh"), r[1]);
        assertEquals(1, r[1].strip().lines().count(), r[1]);
        assertFalse(Files.exists(tmp.resolve("o")));
    }

    @Test void badRatioIsNamed(@TempDir Path tmp) {
        String[] r = MainErrorsTest.run("bench", "tradeoff", "--ratios", "0,1.2", "--out", tmp.resolve("o").toString());
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("--ratios: 1.2"), r[1]);
    }

    @Test void quantizedDtypesAreGgufOnly(@TempDir Path tmp) {
        String[] r = MainErrorsTest.run("export", "--format", "hf", "--dtype", "q4_0", "--out", tmp.resolve("o").toString(),
                "--model", dev.shear.testing.Golden.storiesBin().toString());
        assertEquals("1", r[0]);
        assertEquals("shear: --dtype q4_0: quantized types are written as GGUF only (--format gguf)", r[1].strip());
        assertFalse(Files.exists(tmp.resolve("o")));
    }
}
