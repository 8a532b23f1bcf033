package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.engine.Progress;
import dev.shear.model.CausalLm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZeroShotRunTest {
    @TempDir Path dir;

    @Test void aRunReportsEveryTaskTheLlmPrunerMeanAndSerialisesToJson() throws IOException {
        Files.write(dir.resolve("boolq.jsonl"), List.of(
                "{\"query\": \"Passage: a b c\\nQuestion: is it?\", \"choices\": [\"no\", \"yes\"], \"gold\": 1}",
                "{\"query\": \"Passage: d e\\nQuestion: no?\", \"choices\": [\"no\", \"yes\"], \"gold\": 0}",
                "{\"query\": \"Passage: unused\\nQuestion: x?\", \"choices\": [\"no\", \"yes\"], \"gold\": 0}"));
        Files.write(dir.resolve("winogrande.jsonl"), List.of(
                "{\"context_options\": [\"ann met bob so ann\", \"ann met bob so bob\"], \"continuation\": \"smiled.\", \"gold\": 0}",
                "{\"context_options\": [\"a cat and a dog: the cat\", \"a cat and a dog: the dog\"], \"continuation\": \"barked.\", \"gold\": 1}"));
        Files.write(dir.resolve("hellaswag.jsonl"), List.of(
                "{\"query\": \"Cooking: he stirs the pot. he\", \"choices\": [\"adds salt.\", \"flies\", \"sings a very long song.\"], \"gold\": 0}",
                "{\"query\": \"Running: she runs. she\", \"choices\": [\"stops.\", \"keeps running fast.\"], \"gold\": 1}"));
        long[] progress = new long[2];
        ZeroShotResult r;
        try (CausalLm model = TinyModels.random(64, 3)) {
            ZeroShotSpec spec = ZeroShotSpec.all().withDataDir(dir).withLimit(2)
                    .withTasks(List.of(ZeroShotTask.BOOLQ, ZeroShotTask.WINOGRANDE, ZeroShotTask.HELLASWAG));
            r = ZeroShot.evaluate(TinyModels.target(model), spec, (d, t) -> { progress[0] = d; progress[1] = t; });
        }
        assertEquals(3, r.tasks().size());
        assertEquals(4 + 4 + 5, r.requests());
        assertEquals(13, progress[0]);
        assertEquals(13, progress[1]);
        ZeroShotTaskResult bq = r.tasks().get(0), wg = r.tasks().get(1), hs = r.tasks().get(2);
        assertEquals(2, bq.n());
        assertEquals("acc", wg.llmPrunerMetric());
        assertEquals("acc_norm", hs.llmPrunerMetric());
        assertEquals(wg.acc(), wg.accNorm(), 1e-12);                  // one shared continuation: same divisor
        assertEquals((bq.acc() + wg.acc() + hs.accNorm()) / 3, r.llmPrunerMean(), 1e-12);
        assertEquals((bq.acc() + wg.acc() + hs.accNormHarness()) / 3, r.llmPrunerMeanHarness(), 1e-12);
        assertTrue(r.requestsPerSecond() > 0);

        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(r));
        assertEquals("stored", json.get("template").asText());
        assertEquals("test-sha", json.get("modelSha256").asText());
        assertEquals("boolq", json.get("tasks").get(0).get("task").asText());
        assertTrue(json.get("tasks").get(0).has("accNormStderr"));
    }

    @Test void perplexityResultsSerialiseToJson() throws IOException {
        try (CausalLm model = TinyModels.random(16, 3)) {
            PerplexityResult r = Perplexity.ofText(TinyModels.target(model), "toy", "some toy text here", PerplexitySpec.stream(8), Progress.NONE);
            JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(r));
            assertEquals("stream", json.get("protocol").asText());
            assertEquals(8, json.get("window").asInt());
            assertEquals(r.ppl(), json.get("ppl").asDouble(), 0);
            assertEquals("one token per character, 64 tokens", json.get("tokenizer").asText());
        }
    }
}
