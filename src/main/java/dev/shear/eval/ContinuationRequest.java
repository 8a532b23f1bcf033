package dev.shear.eval;

import dev.shear.io.Tokenizer;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One option tokenized the way lm-evaluation-harness does it: trailing whitespace of the context
 * moves to the front of the continuation; whole = encode(context + continuation), ctx =
 * encode(context), both BOS first; the continuation is whole[len(ctx):]. The model reads
 * ctx ++ continuation, cut from the left to the last context+1 tokens.
 *
 * @param window     the row to score, ending with the continuation
 * @param contTokens continuation tokens before any cut
 * @param truncated  the row was cut from the left
 */
public record ContinuationRequest(TokenWindow window, int contTokens, boolean truncated) implements Serializable {

    static ContinuationRequest of(Tokenizer tok, String context, String continuation, int contextLength) {
        return of(tok, context, continuation, contextLength, new HashMap<>());
    }

    /** @param contexts encodings of the contexts seen so far: an item's options mostly share one */
    static ContinuationRequest of(Tokenizer tok, String context, String continuation, int contextLength, Map<String, int[]> contexts) {
        int keep = trailingWhitespace(context);
        String ctx = context.substring(0, context.length() - keep);
        String cont = context.substring(context.length() - keep) + continuation;
        int[] whole = tok.encode(ctx + cont, true, false);
        int[] ctxIds = contexts.computeIfAbsent(ctx, c -> tok.encode(c, true, false));
        if (whole.length <= ctxIds.length)
            throw new IllegalArgumentException("continuation \"" + cont + "\" adds no tokens after context \"" + abbreviate(ctx) + "\"");
        int[] contIds = Arrays.copyOfRange(whole, ctxIds.length, whole.length);
        int[] full = new int[ctxIds.length + contIds.length];
        System.arraycopy(ctxIds, 0, full, 0, ctxIds.length);
        System.arraycopy(contIds, 0, full, ctxIds.length, contIds.length);
        int from = Math.max(0, full.length - (contextLength + 1));
        int[] row = Arrays.copyOfRange(full, from, full.length);
        // a continuation longer than the whole window keeps only its last tokens
        int first = Math.max(1, row.length - contIds.length);
        return new ContinuationRequest(new TokenWindow(row, first), contIds.length, from > 0);
    }

    /** Python's str.rstrip() whitespace, including no-break spaces. */
    static int trailingWhitespace(String s) {
        int n = 0;
        while (n < s.length()) {
            char c = s.charAt(s.length() - 1 - n);
            if (!Character.isWhitespace(c) && !Character.isSpaceChar(c)) break;
            n++;
        }
        return n;
    }

    private static String abbreviate(String s) { return s.length() <= 60 ? s : "..." + s.substring(s.length() - 57); }
}
