package dev.shear.recover;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.testing.Families;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** A probe that caches the residual stream entering a layer must measure exactly what the whole forward pass measures. */
class ValidationPrefixTest {
    private static final ModelConfig GQA = ModelConfig.llama(32, 48, 4, 4, 2, 64, 40, true);

    /** Ragged sequences, so the batches are padded and masked as validation batches are. */
    private static List<int[]> sequences(int vocab, long seed) {
        Random r = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            int[] s = new int[5 + r.nextInt(20)];
            for (int j = 0; j < s.length; j++) s[j] = r.nextInt(vocab);
            out.add(s);
        }
        return out;
    }

    private static float[] forward(CausalLm m, int[][] ids) {
        try (StepScope s = Engine.openScope(m.store())) { return m.forward(s.tokens(ids)).toFloats(); }
    }

    private static float[] split(CausalLm m, int[][] ids, int layer) {
        try (StepScope s = Engine.openScope(m.store())) { return m.logitsFrom(m.residual(s.tokens(ids), layer), layer).toFloats(); }
    }

    /** Every split point, the embeddings (0) and the last layer's output (L) included; Gemma 2 scales embeddings, soft-caps and windows. */
    @ParameterizedTest @ValueSource(strings = {"llama3", "gemma2", "qwen3", "phi3"})
    void theForwardPassSplitAtAnyLayerGivesTheSameLogitsToTheBit(String family) {
        try (CausalLm m = Families.load(family, DType.F32)) {
            int[][] ids = {{1, 7, 3, 9, 2, 11, 5, 4}, {6, 2, 8, 1, 3, 3, 10, 12}};
            float[] whole = forward(m, ids);
            for (int l = 0; l <= m.config().numLayers(); l++) assertArrayEquals(whole, split(m, ids, l), 0f, family + " split at layer " + l);
        }
    }

    @Test void aLayerOutsideTheModelIsRefused() {
        try (CausalLm m = CausalLm.random(GQA, 1, DType.F32); StepScope s = Engine.openScope(m.store())) {
            Tensor t = s.tokens(new int[][] {{1, 2, 3}});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.residual(t, 5));
            assertEquals("layer 5 outside 0..4", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.logitsFrom(t, -1));
        }
    }

    /**
     * Equal to the whole-model perplexity to the bit while only layer l and later layers change (as KDA's
     * probes change them); stale, by contract, once a layer before l changes, which shows the cache is used.
     */
    @ParameterizedTest @ValueSource(strings = {"F32", "F64"})
    void thePrefixMeasuresWhatTheWholeModelMeasuresWhileOnlyLaterLayersChange(String dtype) {
        try (CausalLm m = CausalLm.random(GQA, 3, DType.valueOf(dtype))) {
            List<int[]> seqs = sequences(GQA.vocabSize(), 5);
            for (int l = 0; l <= GQA.numLayers(); l++) {
                try (Validation.Prefix p = new Validation.Prefix(m, seqs, 16, 3, l)) {
                    assertEquals(Validation.ppl(m, seqs, 16, 3), p.ppl(m), 0.0, "unchanged model, prefix at " + l);
                    if (l == GQA.numLayers()) continue;
                    String later = "model.layers." + l + ".mlp.down_proj.weight", earlier = "model.layers." + Math.max(0, l - 1) + ".mlp.up_proj.weight";
                    scale(m, later, 0.5);
                    assertEquals(Validation.ppl(m, seqs, 16, 3), p.ppl(m), 0.0, "layer " + l + " changed, prefix at " + l);
                    scale(m, later, 2.0);
                    if (l == 0) continue;
                    scale(m, earlier, 0.5);
                    assertNotEquals(Validation.ppl(m, seqs, 16, 3), p.ppl(m), "a layer before " + l + " changed: the prefix must not see it");
                    scale(m, earlier, 2.0);
                }
            }
        }
    }

    /** Halving and doubling are exact in binary floating point, so the model comes back bit for bit. */
    private static void scale(CausalLm m, String param, double f) {
        try (StepScope s = Engine.openScope(m.store())) {
            Tensor w = m.param(param);
            w.assign(w.mul(f));
        }
    }
}
