package dev.shear.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shear.eval.PromptTemplate;
import dev.shear.eval.ZeroShot;
import dev.shear.eval.ZeroShotSpec;
import dev.shear.eval.ZeroShotTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskFileTest {
    @TempDir Path dir;

    private String errorFor(ZeroShotTask task, String... lines) throws IOException {
        Path f = dir.resolve(task.fileName());
        Files.write(f, List.of(lines));
        return assertThrows(IllegalArgumentException.class, () -> TaskFile.read(f, task.partialScoring(), 0)).getMessage();
    }

    private static final String GOOD = "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 1}";

    @Test void aBadLineIsNamedByFileAndLineNumber() throws IOException {
        assertEquals("piqa.jsonl:3: gold 2 is outside 0..1",
                errorFor(ZeroShotTask.PIQA, GOOD, "", "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 2}"));
        assertEquals("boolq.jsonl:2: field \"query\" must be a string",
                errorFor(ZeroShotTask.BOOLQ, GOOD, "{\"choices\": [\"a\", \"b\"], \"gold\": 0}"));
        assertEquals("arc_easy.jsonl:1: field \"choices\" must be an array of at least 2 strings",
                errorFor(ZeroShotTask.ARC_EASY, "{\"query\": \"q\", \"choices\": [\"a\"], \"gold\": 0}"));
        assertEquals("winogrande.jsonl:1: field \"context_options\" must be an array of at least 2 strings", errorFor(ZeroShotTask.WINOGRANDE, GOOD));
        assertEquals(true, errorFor(ZeroShotTask.HELLASWAG, "{\"query\": ").startsWith("hellaswag.jsonl:1: not valid JSON"));
        assertEquals("openbookqa.jsonl:1: field \"gold\" must be an integer",
                errorFor(ZeroShotTask.OPENBOOKQA, "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": \"1\"}"));
    }

    @Test void limitTakesTheFirstItems() throws IOException {
        Path f = dir.resolve("piqa.jsonl");
        Files.write(f, List.of(GOOD, GOOD, GOOD));
        assertEquals(2, TaskFile.read(f, ZeroShotTask.PIQA.partialScoring(), 2).size());
        assertEquals(3, TaskFile.read(f, ZeroShotTask.PIQA.partialScoring(), 0).size());
    }

    @Test void everyShippedTaskFileValidates() {
        assumeTrue(DataPaths.sharedDataOrNull() != null, "no shared data folder");
        ZeroShotSpec spec = ZeroShotSpec.all().withLimit(50);
        for (ZeroShotTask t : ZeroShotTask.values()) {
            if (!Files.isRegularFile(spec.file(t))) continue;        // data folder not present
            assertEquals(50, ZeroShot.load(t, spec).size(), t.id());
            assertEquals(50, ZeroShot.load(t, spec.withTemplate(PromptTemplate.HARNESS)).size(), t.id());
        }
    }
}
