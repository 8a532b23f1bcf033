package dev.shear.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.io.Tokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlpacaTemplateTest {
    /** One token per character (code point + 3), BOS 1, EOS 2: the response boundary is exact. */
    static final Tokenizer CHARS = new Tokenizer() {
        @Override public int[] encode(String text, boolean bos, boolean eos) {
            int[] cps = text.codePoints().toArray();
            int[] out = new int[cps.length + (bos ? 1 : 0) + (eos ? 1 : 0)];
            int k = 0;
            if (bos) out[k++] = 1;
            for (int c : cps) out[k++] = 3 + (c % 250);
            if (eos) out[k] = 2;
            return out;
        }
        @Override public String decode(int[] ids) { return ""; }
        @Override public String decodePiece(int prev, int t) { return ""; }
        @Override public int vocabSize() { return 256; }
        @Override public int bosId() { return 1; }
        @Override public int eosId() { return 2; }
        @Override public String describe() { return "chars"; }
    };

    @Test void lossCoversExactlyTheResponseTokens() {
        AlpacaTemplate.Example e = new AlpacaTemplate.Example("Add", "2 and 3", "five");
        AlpacaTemplate.Encoded enc = AlpacaTemplate.encode(e, CHARS);
        String prompt = AlpacaTemplate.prompt(e);
        assertTrue(prompt.contains("### Input:\n2 and 3"));
        assertEquals("five".length() + 1, enc.responseTokens());                 // response + EOS
        TokenBatch b = AlpacaTemplate.batch(List.of(enc), 1024);
        int promptLen = 1 + prompt.length();                                      // BOS + prompt characters
        for (int j = 0; j < b.targets()[0].length; j++) {
            boolean isResponse = j + 1 >= promptLen;                              // target j is token j+1
            assertEquals(isResponse ? 1f : 0f, b.weights()[0][j], "target " + j);
        }
        assertEquals(2, b.targets()[0][b.targets()[0].length - 1]);                // EOS is supervised
    }

    @Test void templateWithoutInputOmitsTheInputBlock() {
        String p = AlpacaTemplate.prompt(new AlpacaTemplate.Example("Say hi", "", "hi"));
        assertTrue(!p.contains("### Input") && p.endsWith("### Response:\n"));
    }
}
