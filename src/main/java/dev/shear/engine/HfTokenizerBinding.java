package dev.shear.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Hugging Face (Rust) tokenizer behind DJL. Adds no special tokens: Shear adds BOS/EOS itself.
 * Owns a native handle, so close it.
 */
public final class HfTokenizerBinding implements AutoCloseable {
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false");
    private final HuggingFaceTokenizer tokenizer;

    private HfTokenizerBinding(HuggingFaceTokenizer tokenizer) { this.tokenizer = tokenizer; }

    /** Loads {@code tokenizer.json} (a file, or a folder holding it) without touching the network. */
    public static HfTokenizerBinding open(Path tokenizerJson) {
        offline();
        try {
            return new HfTokenizerBinding(HuggingFaceTokenizer.newInstance(tokenizerJson, OPTIONS));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** Start-up must not phone home: the same properties {@link Engine} sets before its first call. */
    private static synchronized void offline() {
        if (!"false".equalsIgnoreCase(System.getenv("DJL_OFFLINE"))) System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }

    public long[] encode(String text) {
        Encoding e = tokenizer.encode(text, false, false);
        return e.getIds();
    }

    /** Ids as the tokenizer's own post-processor frames them (its template's BOS/EOS, if any). */
    public long[] encodeWithSpecialTokens(String text) { return tokenizer.encode(text, true, false).getIds(); }

    public String decode(long[] ids, boolean skipSpecialTokens) { return tokenizer.decode(ids, skipSpecialTokens); }

    @Override public void close() { tokenizer.close(); }
}
