package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.model.LayerWidths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shear's files have snake_case keys, and files written with the older camelCase keys still read back as the same records. */
class ShearJsonTest {
    record Round(int round, Map<String, Double> pplBefore, List<LayerWidths> widthsAfter, Inner lastStep) {}

    record Inner(long stepCount, double meanLoss) {}

    static final Round ROUND = new Round(1, Map.of("myBooks", 12.5, "tiny_stories", 3.0),
            List.of(new LayerWidths(8, 4, 8, 172)), new Inner(25, 2.5));

    @Test void keysAreSnakeCaseAndMapKeysStayAsGiven(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("r.json");
        ShearJson.write(f, ROUND);
        String text = Files.readString(f);
        assertTrue(text.contains("\"ppl_before\"") && text.contains("\"widths_after\"") && text.contains("\"num_kv_heads\"")
                && text.contains("\"last_step\"") && text.contains("\"step_count\""), text);
        assertTrue(text.contains("\"myBooks\""), "a map's keys are data, not names: " + text);
        assertEquals(ROUND, ShearJson.read(f, Round.class));
    }

    @Test void olderCamelCaseFilesReadBackAsTheSameRecord(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("old.json");
        Files.writeString(f, new ObjectMapper().writeValueAsString(ROUND));             // how reports were written before
        assertTrue(Files.readString(f).contains("\"pplBefore\""));
        assertEquals(ROUND, ShearJson.read(f, Round.class));
    }
}
