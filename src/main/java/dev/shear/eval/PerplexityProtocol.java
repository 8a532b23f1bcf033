package dev.shear.eval;

import java.util.Locale;

/**
 * How perplexity is measured; the id is written into every result. W is the window, S the stride.
 * In every window the first token is context only: it is never predicted.
 */
public enum PerplexityProtocol {
    /** Each non-empty line on its own, BOS first, in non-overlapping windows of W (default: model context). */
    LINES("lines"),
    /** The dataset as one token stream (BOS first), non-overlapping windows of W, remainder dropped. */
    STREAM("stream"),
    /** {@link #STREAM} with W = 128, as LLM-Pruner, FLAP, LoRAPrune and LoRAShear report. */
    LLM_PRUNER("llm-pruner"),
    /** {@link #STREAM} with W = the model's context length (SparseGPT, Wanda, SliceGPT). */
    LONG("long"),
    /** One stream, windows of W every S tokens; each window scores only the tokens no earlier window scored. */
    SLIDING("sliding");

    private final String id;

    PerplexityProtocol(String id) { this.id = id; }

    public String id() { return id; }

    public static PerplexityProtocol parse(String s) {
        for (PerplexityProtocol p : values()) if (p.id.equals(s.toLowerCase(Locale.ROOT)) || p.name().equalsIgnoreCase(s)) return p;
        throw new IllegalArgumentException("perplexity protocol " + s + " is unknown, expected one of lines, stream, llm-pruner, long, sliding");
    }

    @Override public String toString() { return id; }
}
