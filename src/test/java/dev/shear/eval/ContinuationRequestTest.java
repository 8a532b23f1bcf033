package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ContinuationRequestTest {
    private final CharTokenizer tok = new CharTokenizer(64);

    @Test void trailingWhitespaceOfTheContextMovesToTheContinuation() {
        ContinuationRequest r = ContinuationRequest.of(tok, "Question: x\n", " ab", 64);
        assertEquals(4, r.contTokens());                        // "\n" + " ab"
        int[] row = r.window().tokens();
        assertArrayEquals(tok.encode("Question: x\n ab", true, false), row);
        assertEquals(row.length - 4, r.window().firstScored());
        assertFalse(r.truncated());
    }

    @Test void longRowsAreCutFromTheLeftToContextPlusOne() {
        ContinuationRequest r = ContinuationRequest.of(tok, "abcdefghijklmnop", " xy", 8);
        int[] full = tok.encode("abcdefghijklmnop xy", true, false);
        assertArrayEquals(Arrays.copyOfRange(full, full.length - 9, full.length), r.window().tokens());
        assertEquals(6, r.window().firstScored());
        assertTrue(r.truncated());
    }

    @Test void aContinuationLongerThanTheWindowKeepsItsTail() {
        ContinuationRequest r = ContinuationRequest.of(tok, "a", " 0123456789", 4);
        assertEquals(11, r.contTokens());
        assertEquals(1, r.window().firstScored());
        assertEquals(5, r.window().tokens().length);
    }

    @Test void pythonWhitespaceIncludesNoBreakSpace() {
        assertEquals(2, ContinuationRequest.trailingWhitespace("a\u00a0\n"));
        assertEquals(0, ContinuationRequest.trailingWhitespace("a"));
    }
}
