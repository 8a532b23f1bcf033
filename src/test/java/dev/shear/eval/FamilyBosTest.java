package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.testing.Families;
import org.junit.jupiter.api.Test;

/** The zero-shot and perplexity requests start each row with the family's BOS, or with the text where the family has none. */
class FamilyBosTest {
    @Test void zeroShotRowsFollowEachFamilysBosRule() {
        for (String fixture : new String[] {"llama3", "gemma2", "mistral", "qwen2"}) {
            try (Tokenizer tok = ModelFolder.loadTokenizer(Families.folder(fixture), null)) {
                ContinuationRequest r = ContinuationRequest.of(tok, "the cat sat on the", " mat", 64);
                int first = r.window().tokens()[0];
                if (fixture.equals("qwen2")) {
                    assertNotEquals(tok.bosId(), first, fixture);
                    assertEquals(tok.encode("the cat sat on the", false, false)[0], first, fixture + ": the context's first token leads");
                } else {
                    assertEquals(tok.bosId(), first, fixture + ": BOS leads");
                }
            }
        }
    }

    @Test void perplexityLinesStartWithBosOnlyWhereTheFamilyHasOne() {
        for (String fixture : new String[] {"llama3", "qwen2"}) {
            try (Tokenizer tok = ModelFolder.loadTokenizer(Families.folder(fixture), null)) {
                int[] ids = tok.encode("the sun is hot", true, false);
                var rows = Windows.nonOverlapping(ids, 64, false);
                int scored = rows.stream().mapToInt(TokenWindow::scored).sum();
                assertEquals(ids.length - 1, scored, fixture);
                assertEquals(fixture.equals("qwen2") ? tok.encode("the sun is hot", false, false).length : ids.length - 1,
                        fixture.equals("qwen2") ? ids.length : scored, fixture);
            }
        }
    }
}
