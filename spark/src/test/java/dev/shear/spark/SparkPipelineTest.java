package dev.shear.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.engine.Progress;
import dev.shear.io.ShearJson;
import dev.shear.pipeline.Pipeline;
import dev.shear.pipeline.PipelineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `./shear run` with a spark section (local[2]) against the same config run in one process, through
 * the library API: KDA's probes and the one-shot calibration of the prune stage and the evaluation
 * stage run as Spark tasks, and the pruned model is the same file, the KDA curves and the evaluation
 * the same numbers (sums within 1e-9 relative, choices identical).
 */
class SparkPipelineTest {
    /** wanda-sp without warm-up calibrates the base model as loaded (offloaded); allocation kda makes it run KDA (offloaded). */
    static final String CONFIG = """
            prune:
              method: wanda-sp
              ratio: 0.2
              allocation: kda
              calib_batches: 3
              schedule: {warmup: 0}
              training: {batch: 4, seq_len: 64}
              kda: {ratios: [0.3], gamma_u: 0.15}
              data: tinystories
            recovery: {rounds: 1, steps_per_round: 3, checkpoint_every: 0}
            evaluation: {ppl: [wikitext2], ppl_tokens: 512, zeroshot_tasks: [piqa, arc_easy], zeroshot_limit: 6}
            """;

    @Test void aRunWithASparkSectionEqualsTheSameRunInOneProcess(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("run.yaml");
        Files.writeString(file, CONFIG);
        PipelineConfig cfg = PipelineConfig.load(file);
        assertFalse(cfg.spark().active(), "the defaults run in one process");
        Path one = tmp.resolve("one"), cluster = tmp.resolve("cluster");
        new Pipeline(cfg.withOutput(one.toString()), Progress.NONE).run(false);
        new Pipeline(cfg.withOutput(cluster.toString()).withSpark(new PipelineConfig.Spark("local[2]", List.of("spark.task.maxFailures=1"))),
                Progress.NONE).run(false);

        // the pruned model: the same weights, bit for bit (selection from sums equal to 1e-9 relative picks the same channels)
        for (String f : List.of("pruned/model.safetensors", "pruned/config.json"))
            assertArrayEquals(Files.readAllBytes(one.resolve(f)), Files.readAllBytes(cluster.resolve(f)), f);
        JsonNode a = ShearJson.MAPPER.readTree(one.resolve("pruned/prune-report.json").toFile());
        JsonNode b = ShearJson.MAPPER.readTree(cluster.resolve("pruned/prune-report.json").toFile());
        assertTrue(a.path("kda").path("rows").size() > 0, "the run did KDA");
        assertEquals(a.get("kda").get("base_ppl").asDouble(), b.get("kda").get("base_ppl").asDouble(), 0);
        assertEquals(a.get("kda").get("rows"), b.get("kda").get("rows"));
        assertEquals(a.get("params_after"), b.get("params_after"));

        JsonNode ea = ShearJson.MAPPER.readTree(one.resolve("eval-report.json").toFile());
        JsonNode eb = ShearJson.MAPPER.readTree(cluster.resolve("eval-report.json").toFile());
        for (String model : List.of("original", "pruned", "recovered")) {
            JsonNode x = ea.get(model), y = eb.get(model);
            assertEquals(x.get("params"), y.get("params"), model);
            assertEquals(x.get("sha256"), y.get("sha256"), model);
            for (Iterator<Map.Entry<String, JsonNode>> it = x.get("perplexity").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode p = e.getValue(), q = y.get("perplexity").get(e.getKey());
                assertEquals(p.get("tokens"), q.get("tokens"), model + " " + e.getKey());
                double s = p.get("nll_sum").asDouble();
                assertEquals(s, q.get("nll_sum").asDouble(), 1e-9 * Math.abs(s), model + " " + e.getKey());
            }
            JsonNode zx = x.get("zeroshot").get("tasks"), zy = y.get("zeroshot").get("tasks");
            assertEquals(2, zx.size());
            for (int i = 0; i < zx.size(); i++)
                for (String k : List.of("task", "acc", "acc_norm", "n", "requests"))
                    assertEquals(zx.get(i).get(k), zy.get(i).get(k), model + " zero-shot " + i + " " + k);
        }
    }
}
