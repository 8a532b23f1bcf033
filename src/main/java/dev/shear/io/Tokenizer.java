package dev.shear.io;

/** Text to token ids and back. Implementations: llama2.c tok*.bin, Hugging Face tokenizer.json. */
public interface Tokenizer {
    int[] encode(String text, boolean bos, boolean eos);

    String decode(int[] ids);

    /** The text of one token following prevToken, as a streaming printer shows it. */
    String decodePiece(int prevToken, int token);

    int vocabSize();

    int bosId();

    int eosId();

    /** e.g. "llama2.c tok512.bin, 512 tokens". */
    String describe();
}
