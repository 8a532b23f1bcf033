package dev.shear.eval;

import dev.shear.io.Tokenizer;

/** One token per character (ids 3..vocab-1 by code modulo), BOS 1, EOS 2: token counts are easy to reason about. */
final class CharTokenizer implements Tokenizer {
    private final int vocab;

    CharTokenizer(int vocab) { this.vocab = vocab; }

    @Override public int[] encode(String text, boolean bos, boolean eos) {
        int n = text.length() + (bos ? 1 : 0) + (eos ? 1 : 0);
        int[] ids = new int[n];
        int k = 0;
        if (bos) ids[k++] = bosId();
        for (int i = 0; i < text.length(); i++) ids[k++] = 3 + text.charAt(i) % (vocab - 3);
        if (eos) ids[k] = eosId();
        return ids;
    }

    @Override public String decode(int[] ids) { throw new UnsupportedOperationException("not needed by eval"); }

    @Override public String decodePiece(int prevToken, int token) { throw new UnsupportedOperationException("not needed by eval"); }

    @Override public int vocabSize() { return vocab; }

    @Override public int bosId() { return 1; }

    @Override public int eosId() { return 2; }

    @Override public String describe() { return "one token per character, " + vocab + " tokens"; }
}
