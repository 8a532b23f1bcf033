package dev.shear.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.prune.Allocation;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled defaults bind onto the settings records, completely, and configs override them key by key. */
class PipelineConfigTest {
    /** Every record component is written down in defaults.yaml: binding and writing back gives the same keys and values. */
    @Test void defaultsAreCompleteAndRoundTrip() throws Exception {
        JsonNode file = PipelineConfig.defaultsTree();
        JsonNode written = ConfigYaml.YAML.readTree(ConfigYaml.write(PipelineConfig.defaults()));
        assertEquals(keys(file, ""), keys(written, ""), "the same keys in the same order");
        assertEquals(file.toString().replace("\"method\":\"lorashear\"", "\"method\":\"lorashear-obs\"").replace("\"alpha\":16,", "\"alpha\":16.0,"),
                written.toString());
    }

    @Test void defaultsAreTheCommandLinesOnes() {
        PruneSettings s = PipelineConfig.defaults().pruneSettings();
        assertEquals(Method.LORASHEAR_DEFAULT, s.method());
        assertEquals(Allocation.AUTO, s.allocation(), "the CLI's auto, not uniform");
        assertEquals(25, s.training().checkpointEvery(), "the CLI's 25");
        assertEquals(LhspgSchedule.LrShape.CONSTANT, s.schedule().lrShape());
        assertEquals(PruneJob.DataKind.DYNAMIC, PipelineConfig.defaults().prune().data());
    }

    @Test void nestedKeysOverrideOneByOneAndTheSeedReachesLora(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, "seed: 7\nprune: {method: flap, schedule: {periods: 3}, training: {lora: {rank: 4}}}\n");
        PipelineConfig c = PipelineConfig.load(f);
        PruneSettings s = c.pruneSettings();
        assertEquals(Method.FLAP, s.method());
        assertEquals(3, s.schedule().periods());
        assertEquals(30, s.schedule().warmup(), "untouched keys keep their default");
        assertEquals(4, s.training().lora().rank());
        assertEquals(7, s.seed());
        assertEquals(7, s.training().lora().seed());
        assertTrue(ConfigYaml.write(c).lines().noneMatch(l -> l.strip().startsWith("seed:") && l.startsWith(" ")), "only the top-level seed is written");
    }

    /** The flat prune keys of configs written before the settings were grouped land in their groups. */
    @Test void flatPruneKeysOfOlderConfigsStillLoad(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("old.yaml");
        Files.writeString(f, "prune: {warmup: 2, periods: 3, period_length: 4, lr_shape: cosine, lr: 0.01, batch: 4, seq_len: 64, "
                + "checkpoint_every: 2, kda_ratios: [], gamma_u: 0.2, align: 8, align_round: up}\n");
        PruneSettings s = PipelineConfig.load(f).pruneSettings();
        assertEquals(LhspgSchedule.of(2, 3, 4).withLrShape(LhspgSchedule.LrShape.COSINE), s.schedule());
        assertEquals(List.of(0.01, 4.0, 64.0, 2.0), List.of(s.training().lr(), (double) s.training().batch(), (double) s.training().seqLen(),
                (double) s.training().checkpointEvery()));
        assertEquals(List.of(), s.kda().ratios());
        assertEquals(0.2, s.kda().gammaU());
        assertEquals("8 UP", s.align().multiple() + " " + s.align().rounding());
    }

    @Test void unknownKeysAreNamedWithTheirPath(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("c.yaml");
        assertTrue(loadError(f, "prune: {schedule: {warmupp: 3}}").startsWith(f + ": unknown key 'prune.schedule.warmupp'"));
        assertTrue(loadError(f, "prune: {seed: 3}").contains("unknown key 'prune.seed'"), "the seed is the top-level one");
    }

    @Test void badValuesNameTheirKey(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("c.yaml");
        assertEquals(f + ": prune.schedule.warmup -1 must be >= 0", loadError(f, "prune: {schedule: {warmup: -1}}"));
        assertEquals(f + ": prune.ratio NaN must be in (0, 1)", loadError(f, "prune: {ratio: NaN}"));
        assertEquals(f + ": prune.training.batch 0 must be in 1..65536", loadError(f, "prune: {training: {batch: 0}}"));
        assertEquals(f + ": evaluation.ppl_tokens 0 must be >= 1", loadError(f, "evaluation: {ppl_tokens: 0}"));
        assertEquals(f + ": recovery.rounds 0 must be >= 1", loadError(f, "recovery: {rounds: 0}"));
        assertTrue(loadError(f, "evaluation: {zeroshot_tasks: [boolq, chess]}").contains("evaluation.zeroshot_tasks[1] 'chess': expected boolq, piqa"));
    }

    /** The spark section: off by default; a master and key=value properties, in order; a property without '=' is a one-line error. */
    @Test void theSparkSectionNamesAMasterAndItsProperties(@TempDir Path tmp) throws Exception {
        assertTrue(!PipelineConfig.defaults().spark().active());
        Path f = tmp.resolve("c.yaml");
        Files.writeString(f, "spark: {master: 'spark://10.0.0.1:7077', conf: [spark.executor.memory=4g, 'spark.executor.cores = 2']}\n");
        PipelineConfig c = PipelineConfig.load(f);
        assertTrue(c.spark().active());
        assertEquals("spark://10.0.0.1:7077", c.spark().master());
        assertEquals(List.of(Map.entry("spark.executor.memory", "4g"), Map.entry("spark.executor.cores", "2")),
                new ArrayList<>(c.spark().properties().entrySet()));
        assertEquals(c.spark(), c.withOutput("elsewhere").spark());
        assertTrue(loadError(f, "spark: {master: 'local[2]', conf: [spark.executor.memory]}").contains("'spark.executor.memory' should be key=value"));
    }

    /** The one-line error of loading this config. */
    private static String loadError(Path f, String yaml) throws Exception {
        Files.writeString(f, yaml + "\n");
        String m = assertThrows(IllegalArgumentException.class, () -> PipelineConfig.load(f)).getMessage();
        return m;
    }

    private static List<String> keys(JsonNode n, String at) {
        List<String> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.add(at + e.getKey());
            if (e.getValue().isObject()) out.addAll(keys(e.getValue(), at + e.getKey() + "."));
        }
        return out;
    }
}
