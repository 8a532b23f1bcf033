package dev.shear.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TradeoffReportTest {
    static TradeoffReport.Row row(String model, String dtype, long bytes, double ppl) {
        return new TradeoffReport.Row(model, 0, 100, dtype, bytes, 8, ppl, ppl, 1000, 10, 100);
    }

    @Test void paretoFrontKeepsOnlyFilesNothingElseBeatsOnSizeAndPerplexity() {
        TradeoffReport.Row a = row("dense", "f16", 500, 5.0), b = row("dense", "q8_0", 300, 5.1), c = row("pruned", "f16", 400, 6.0),
                d = row("pruned", "q4_0", 150, 7.0), e = row("dense", "q4_0", 200, 7.0), f = row("dense", "same", 300, 5.1);
        // c is beaten by b (smaller and better); e by d (smaller, equal ppl); b and f tie, neither strictly beats the other
        assertEquals(List.of(d, b, f, a), TradeoffReport.paretoFront(List.of(a, b, c, d, e, f)));
    }

    @Test void reportHasTheTableFrontAndPlot(@TempDir Path dir) {
        List<TradeoffReport.Row> rows = List.of(row("dense", "f16", 500_000, 5.0), row("pruned 20%", "q4_0", 200_000, 6.5));
        String md = TradeoffReport.write(dir.resolve("t.png"), "T", List.of("note"), rows);
        assertTrue(Files.exists(dir.resolve("t.png")));
        assertTrue(md.contains("| pruned 20% | 0.0% | 100 | q4_0 | 0.200 |"), md);
        assertTrue(md.contains("Pareto front") && md.contains("pruned 20% q4_0 (0.200 MB, ppl 6.500) → dense f16"), md);
        assertTrue(md.contains("![perplexity against file size](t.png)"), md);
    }
}
