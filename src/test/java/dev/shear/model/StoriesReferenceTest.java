package dev.shear.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.testing.Golden;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stories260K against the independent float64 numpy implementation (reference/llama_ref.py). */
class StoriesReferenceTest {
    @Test void greedyGenerationFromBosMatchesReferenceText() {
        JsonNode g = Golden.json("generate_stories260K.json");
        int n = g.get("num_generated").asInt();
        try (CausalLm m = Golden.stories(DType.F32); Tokenizer tok = ModelFolder.loadTokenizer(Golden.storiesBin(), null)) {
            int[] out = Generator.generate(m, new int[] {1}, n, Sampler.greedy(), t -> false);
            int[] expected = new int[n];
            for (int i = 0; i < n; i++) expected[i] = g.get("generated_tokens").get(i).asInt();
            assertArrayEquals(expected, java.util.Arrays.copyOfRange(out, 1, out.length));
            StringBuilder text = new StringBuilder();
            for (int i = 1; i < out.length; i++) text.append(tok.decodePiece(out[i - 1], out[i]));
            assertEquals(g.get("text").asText(), text.toString());
        }
    }

    @Test void logitsMatchReferenceAndSurviveHuggingFaceRoundTrip(@TempDir Path dir) {
        JsonNode g = Golden.json("logits_stories260K.json");
        JsonNode gen = Golden.json("generate_stories260K.json");
        int t = g.get("num_positions").asInt();
        int[] ids = new int[t];
        ids[0] = 1;
        for (int i = 1; i < t; i++) ids[i] = gen.get("generated_tokens").get(i - 1).asInt();
        float[] original;
        try (CausalLm m = Golden.stories(DType.F32)) {
            original = logits(m, ids);
            for (int v = 0; v < 512; v++)
                assertEquals(g.get("final_logits").get(v).asDouble(), original[(t - 1) * 512 + v], 2e-4, "final logit " + v);
            for (int p = 0; p < t; p++)
                for (int v = 0; v < 8; v++)
                    assertEquals(g.get("first8_logits_per_position").get(p).get(v).asDouble(), original[p * 512 + v], 2e-4);
        }
        Path hf = dir.resolve("hf");
        try (Tokenizer tok = ModelFolder.loadTokenizer(Golden.storiesBin(), null)) {
            ModelFolder.save(ModelFolder.load(Golden.storiesBin()), tok, hf);
        }
        var back = ModelFolder.load(hf);
        assertEquals(RopeLayout.HALF, back.config().ropeLayout());
        try (CausalLm m = CausalLm.fromWeights(back.config(), back.weights(), DType.F32)) {
            float[] reloaded = logits(m, ids);
            double scale = 0, worst = 0;
            for (float v : original) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < original.length; i++) worst = Math.max(worst, Math.abs(original[i] - reloaded[i]) / scale);
            assertTrue(worst < 1e-5, "HF round trip changed logits by " + worst);
        }
    }

    static float[] logits(CausalLm m, int[] ids) {
        try (StepScope s = Engine.openScope(m.store())) {
            return m.forward(s.tokens(new int[][] {ids})).toFloats();
        }
    }
}
