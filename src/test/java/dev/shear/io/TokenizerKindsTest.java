package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.testing.Families;
import dev.shear.testing.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * One hand-made tokenizer.json per kind the families use (reference/tokenizers_ref.py): Llama 3's
 * byte-level BPE with its template's &lt;|begin_of_text|&gt;, Qwen's byte-level BPE without BOS,
 * Gemma's SentencePiece-style BPE with &lt;bos&gt; and no dummy prefix, Llama 2's with &lt;s&gt; and
 * the prefix. Ids against the reference's own BPE encoder; the BOS rule from the files alone.
 */
class TokenizerKindsTest {
    @ParameterizedTest @ValueSource(strings = {"llama3", "qwen", "gemma", "llama2", "phi3"})
    void encodesLikeTheReferenceWithTheKindsBosRule(String kind) {
        JsonNode g = Golden.json("tokenizers.json").get(kind);
        try (HfTokenizer tok = HfTokenizer.load(Families.tokenizer(kind))) {
            assertEquals(g.get("vocab").asInt(), tok.vocabSize());
            assertEquals(!kind.equals("qwen"), tok.prependsBos(), kind + ": BOS rule");
            for (int i = 0; i < g.get("texts").size(); i++) {
                String text = g.get("texts").get(i).asText();
                assertArrayEquals(Families.ints(g.get("with_bos").get(i)), tok.encode(text, true, false), kind + " with BOS: " + text);
                assertArrayEquals(Families.ints(g.get("without_bos").get(i)), tok.encode(text, false, false), kind + ": " + text);
                assertEquals(text, tok.decode(tok.encode(text, true, false)), kind + " round trip");
            }
        }
    }

    @Test void bosIdsAreTheFamiliesOwn() {
        try (HfTokenizer l3 = HfTokenizer.load(Families.tokenizer("llama3")); HfTokenizer gemma = HfTokenizer.load(Families.tokenizer("gemma"))) {
            assertEquals(l3.vocabSize() - 2, l3.encode("a", true, false)[0], "<|begin_of_text|> from the post-processor's template");
            assertEquals(2, gemma.encode("a", true, false)[0], "Gemma's <bos> is id 2");
        }
    }

    @Test void qwenAddsNoBosEvenWhenTheModelConfigNamesOne() {
        assertTrue(ModelFolder.loadConfig(Families.folder("qwen2")).bosId() >= 0, "Qwen2 configs carry a bos_token_id");
        try (Tokenizer tok = ModelFolder.loadTokenizer(Families.folder("qwen2"), null)) {
            int[] ids = tok.encode("the cat", true, false);
            assertFalse(ids[0] == tok.bosId(), "no BOS in front: " + java.util.Arrays.toString(ids));
            try (HfTokenizer plain = HfTokenizer.load(Families.tokenizer("qwen"))) {
                assertArrayEquals(plain.encode("the cat", false, false), ids);
            }
        }
    }
}
