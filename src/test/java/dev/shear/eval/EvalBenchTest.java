package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Progress;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench runs end to end and batching does not change scores; no timing assertions. */
class EvalBenchTest {
    @Test void benchScoresTheSameRequestsBothWays() {
        assumeTrue(Stories260K.available(), "stories260K is not in the data folder");
        try (CausalLm model = Stories260K.model(DType.F32); Tokenizer tok = Stories260K.tokenizer()) {
            EvalBench.Spec spec = new EvalBench.Spec(List.of(ZeroShotTask.HELLASWAG, ZeroShotTask.OPENBOOKQA), 3, 1, BatchShape.of(8),
                    "tinystories", 128, 1024);
            EvalBenchResult r = EvalBench.run("stories260K", new EvalTarget(model, tok, ""), spec, Progress.NONE);
            assertEquals(6, r.items());
            assertEquals(24, r.requests());
            // sums of ~20 fp32 log-probabilities of about -3: kernels for other shapes round differently
            assertTrue(r.maxLoglikDifference() < 1e-4, "batched and single differ by " + r.maxLoglikDifference());
            assertEquals(8 * 127, r.pplTokens());
            assertTrue(r.batchedRequestsPerSecond() > 0 && r.singleRequestsPerSecond() > 0 && r.pplTokensPerSecond() > 0);
        }
    }
}
