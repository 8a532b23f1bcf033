package dev.shear.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.Progress;
import dev.shear.io.ShearJson;
import dev.shear.lora.LoraConfig;
import dev.shear.pipeline.ConvergedBench;
import dev.shear.pipeline.ConvergedCells;
import dev.shear.pipeline.QualityBench;
import dev.shear.prune.KdaSettings;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.train.DistillSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The converged grid cut into one task per cell (through serialization, as a cluster runs it) writes
 * the rows one process writes: same cells, same widths, perplexities equal to 1e-9, and a second run
 * over the same file adds nothing.
 */
class ConvergedCellsAgreementTest {
    /** The protocol's shape at a toy budget: a peer and the dense control, distillation and two rounds. */
    static final ConvergedBench.Protocol P = new ConvergedBench.Protocol(List.of(Method.WANDA_SP), List.of(0.2), List.of(0L), 6, 2, 32,
            1e-3, 2, 0.1, 1.0, new LoraConfig(List.of("q", "v", "down"), 2, 4, 0.0, 0), LhspgSchedule.of(1, 1, 1),
            new KdaSettings(List.of(0.5), 0.0), new DistillSettings(0.5, 1.0, null), 2, 1, false, true, null);

    @Test void cellsOnAClusterWriteTheRowsOfOneProcess(@TempDir Path tmp) throws Exception {
        Path one = tmp.resolve("one.jsonl"), cut = tmp.resolve("cut.jsonl");
        new ConvergedBench(P, bench(one)).run();
        QualityBench b = bench(cut);
        ConvergedCells.run(LocalShards.serializing(2), P, b, 256, null, Progress.NONE);
        List<Map<?, ?>> want = rows(one), got = rows(cut);
        assertEquals(2, want.size());
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            for (String k : List.of("method", "ratio", "seed", "steps", "distill", "params", "kv_heads", "mlp"))
                assertEquals(want.get(i).get(k), got.get(i).get(k), k + " of row " + i);
            for (String k : List.of("tinystories_val", "tinystories_heldout", "wikitext2", "ptb")) {
                double a = ((Number) want.get(i).get(k)).doubleValue(), c = ((Number) got.get(i).get(k)).doubleValue();
                assertEquals(a, c, 1e-9 * a, k + " of row " + i);
            }
        }
        ConvergedCells.run(LocalShards.serializing(2), P, b, 256, null, Progress.NONE);
        assertEquals(2, rows(cut).size(), "a finished grid resumes to nothing");
        assertTrue(((Number) got.get(1).get("tinystories_heldout")).doubleValue() > 1, "a measured perplexity");
    }

    private static QualityBench bench(Path out) {
        return new QualityBench(out, 256, QualityBench.recovery(2, 0, 2, 32, 1e-3, 0, true), r -> {});
    }

    private static List<Map<?, ?>> rows(Path file) throws Exception {
        List<Map<?, ?>> rows = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(file)) if (!line.isBlank()) rows.add(ShearJson.MAPPER.readValue(line, Map.class));
        return rows;
    }
}
