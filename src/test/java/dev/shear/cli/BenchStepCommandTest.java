package dev.shear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.model.ModelConfig;
import dev.shear.model.WeightNames;
import dev.shear.pipeline.StepBench;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchStepCommandTest {
    /** FLOPs per token = 2 x (every projection and lm_head weight) + q k^T and a v, counted here from the weight shapes. */
    @Test void forwardFlopsMatchTheWeightShapes() {
        ModelConfig c = ModelConfig.llama(96, 160, 3, 6, 2, 50, 64, false);
        int seq = 40;
        double weights = 0;
        for (Map.Entry<String, long[]> e : WeightNames.expectedShapes(c).entrySet())
            if (e.getValue().length == 2 && !e.getKey().contains("embed_tokens")) weights += e.getValue()[0] * e.getValue()[1];
        double attention = 3 * 2.0 * 2 * seq * 96;                  // per layer: T x T scores over 6 heads of 16, then a v
        assertEquals(2 * weights + attention, StepBench.forwardFlopsPerToken(c, seq), 1e-6);
    }

    @Test void unknownPhaseIsOneLineAndNonZero() {
        String[] r = MainErrorsTest.run("bench", "step", "--phases", "forward,backward", "--steps", "0");
        assertEquals("1", r[0]);
        assertEquals(1, r[1].strip().lines().count(), r[1]);
        assertTrue(r[1].contains("backward"), r[1]);
    }

    /** compare.sh waits for the closing "done" event; a forward-only run must send it too. */
    @Test void jsonEndsWithDoneEvenWithoutTraining() {
        String out = stdout("bench", "step", "--json", "--phases", "forward", "--layers", "1", "--hidden", "16", "--heads", "2",
                "--kv-heads", "1", "--mlp", "24", "--vocab", "32", "--batch", "1", "--seq", "8", "--reps", "1");
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.contains("\"event\":\"done\"") || last.contains("\"event\" : \"done\""), out);
        assertTrue(out.contains("\"phase\""), out);
    }

    /** A misspelt phase is refused before the engine starts or a model loads (nothing measured is printed). */
    @Test void memoryPhaseIsCheckedBeforeLoading() {
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream e = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(e, true));
        String out;
        int[] rc = new int[1];
        try {
            out = stdout(() -> rc[0] = Main.execute("bench", "memory", "--phase", "lroa"));
        } finally {
            System.setErr(err);
        }
        assertEquals(1, rc[0]);
        assertEquals(1, e.toString().strip().lines().count(), e.toString());
        assertTrue(e.toString().contains("--phase lroa"), e.toString());
        assertTrue(!out.contains("VmHWM"), out);
    }

    private static String stdout(String... args) {
        int[] rc = new int[1];
        String out = stdout(() -> rc[0] = Main.execute(args));
        assertEquals(0, rc[0], out);
        return out;
    }

    private static String stdout(Runnable r) {
        java.io.PrintStream o = System.out;
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buf, true));
        try {
            r.run();
        } finally {
            System.setOut(o);
        }
        return buf.toString();
    }
}
