package dev.shear.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.DataPaths;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.testing.Golden;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** stories260K with its weights held in fp16: activations, logits and loss stay fp32, and the loss barely moves. */
class HalfPrecisionBaseTest {
    @Test void fp16BaseLossIsWithinToleranceOfFp32() throws Exception {
        LoadedModel lm = ModelFolder.load(Golden.storiesBin());
        int[][] rows = rows();
        double full, half;
        try (CausalLm m = CausalLm.fromWeights(lm.config(), lm.weights(), DType.F32)) { full = loss(m, rows); }
        try (CausalLm m = CausalLm.fromWeights(lm.config(), lm.weights(), DType.F16)) {
            assertEquals(DType.F16, m.dtype());
            assertEquals(DType.F32, m.computeDtype());
            half = loss(m, rows);
            m.setCheckpointActivations(true);
            assertEquals(half, loss(m, rows), 0.0, "checkpointed evaluation frees memory, not precision");
        }
        System.out.printf("stories260K TinyStories loss: fp32 base %.6f, fp16 base %.6f, difference %.2e%n", full, half, Math.abs(full - half));
        assertTrue(Math.abs(full - half) < 2e-3, "fp32 " + full + " vs fp16 " + half);
    }

    /** Eight 129-token windows of held-out TinyStories text. */
    static int[][] rows() throws Exception {
        List<String> lines = Files.readAllLines(DataPaths.data("tinystories/tinystories_valid_head.txt"));
        try (Tokenizer tok = ModelFolder.loadTokenizer(Golden.storiesBin(), null)) {
            int[] ids = tok.encode(String.join("\n", lines.subList(0, 200)), true, false);
            int[][] rows = new int[8][];
            for (int i = 0; i < rows.length; i++) rows[i] = Arrays.copyOfRange(ids, i * 129, (i + 1) * 129);
            return rows;
        }
    }

    static double loss(CausalLm m, int[][] rows) {
        int b = rows.length, t = rows[0].length - 1;
        int[][] in = new int[b][], tg = new int[b][];
        for (int i = 0; i < b; i++) { in[i] = Arrays.copyOf(rows[i], t); tg[i] = Arrays.copyOfRange(rows[i], 1, t + 1); }
        try (StepScope s = Engine.openScope(m.store())) {
            Tensor logits = m.forward(s.tokens(in));                                    // (B, T, V)
            assertEquals(DType.F32, logits.dtype());
            Tensor ones = s.floats(new float[b * t], DType.F32, b, t).add(1.0);
            return Ops.crossEntropy(logits, s.tokens(tg), ones).item();
        }
    }
}
