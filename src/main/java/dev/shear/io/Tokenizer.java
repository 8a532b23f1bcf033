package dev.shear.io;

/**
 * Text to token ids and back. Special tokens are never added implicitly: callers ask for BOS/EOS.
 * Closing releases native resources where there are any; it throws nothing.
 */
public interface Tokenizer extends AutoCloseable {
    /**
     * @param bos start a sequence as the model's family does: with its BOS token where the family's
     *            tokenizer adds one (Llama, Gemma, llama2.c), with nothing where it adds none (Qwen)
     */
    int[] encode(String text, boolean bos, boolean eos);

    /** The text of a sequence; BOS/EOS are not rendered, the space after BOS (or at the start) is dropped. */
    String decode(int[] ids);

    /** The text {@code token} adds after {@code prevToken}, for streaming output (run.c's decode). */
    String decodePiece(int prevToken, int token);

    int vocabSize();

    int bosId();

    int eosId();

    /** One line for logs, e.g. "llama2.c tok512.bin, 512 tokens". */
    String describe();

    @Override default void close() {}
}
