package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shear.data.DataPaths;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetsTest {
    @Test void wikitextRowsKeepTheirNewlineAndBlankRowsComeBackFromTheLayout() {
        List<String> rows = TextDataset.wikitextRows(" = T = \n a b \n c \n", new boolean[] {true, false, true, false, false});
        assertEquals(List.of("", " = T = \n", "", " a b \n", " c \n"), rows);
        assertEquals("\n\n = T = \n\n\n\n\n a b \n\n\n c \n", String.join("\n\n", rows));
    }

    @Test void ptbRowsAreStrippedSentences() {
        assertEquals(List.of("no it was", "but while"), TextDataset.sentenceRows(" no it was \n but while \n"));
    }

    @Test void namedSetsResolveUnderTheDataFolder() {
        assumeTrue(DataPaths.sharedDataOrNull() != null, "no shared data folder");
        TextDataset w = Datasets.text("wikitext2");
        assertTrue(w.path().endsWith("wikitext2/wiki.test.raw"));
        assertTrue(Datasets.text("ptb").path().endsWith("ptb/ptb.test.txt"));
        assertTrue(Datasets.text("tinystories").path().endsWith("tinystories/tinystories_valid_head.txt"));
        assertThrows(IllegalArgumentException.class, () -> Datasets.text("no-such-set"));
    }

    @Test void wikitextStreamMatchesTheHuggingFaceJoin() {
        assumeTrue(DataPaths.sharedDataOrNull() != null, "no shared data folder");
        TextDataset w = Datasets.text("wikitext2");
        assumeTrue(Files.isRegularFile(w.path()), "wikitext2 not in the data folder");
        String s = w.streamText();
        assertTrue(s.startsWith("\n\n = Robert Boulter = \n\n\n\n\n Robert Boulter is an English"), s.substring(0, 60));
        assertTrue(!s.contains("\r"));
        assertEquals(2891, w.nonEmptyLines().size());
    }
}
