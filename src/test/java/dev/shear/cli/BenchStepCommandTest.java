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
}
