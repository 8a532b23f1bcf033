package dev.shear.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Cuts token sequences into the windows each perplexity protocol scores. */
final class Windows {
    private Windows() {}

    /**
     * Windows starting at 0, W, 2W...; each scores all its tokens but the first. A trailing window
     * shorter than W is kept unless dropRemainder (one token alone predicts nothing and is skipped).
     */
    static List<TokenWindow> nonOverlapping(int[] seq, int w, boolean dropRemainder) {
        List<TokenWindow> out = new ArrayList<>();
        for (int a = 0; a < seq.length; a += w) {
            int end = Math.min(a + w, seq.length);
            if (end - a < w && dropRemainder) break;
            if (end - a >= 2) out.add(new TokenWindow(Arrays.copyOfRange(seq, a, end), 1));
        }
        return out;
    }

    /**
     * Windows of W every S tokens (S < W). The first scores tokens 1..W-1; later ones score only the
     * tokens past the previous window's end, with the rest of the window as context. Every token
     * but the first is scored exactly once.
     */
    static List<TokenWindow> sliding(int[] seq, int w, int s) {
        List<TokenWindow> out = new ArrayList<>();
        if (seq.length < 2) return out;
        int prevEnd = 0;
        for (int begin = 0; ; begin += s) {
            int end = Math.min(begin + w, seq.length);
            int first = begin == 0 ? 1 : prevEnd - begin;
            out.add(new TokenWindow(Arrays.copyOfRange(seq, begin, end), first));
            prevEnd = end;
            if (end == seq.length) return out;
        }
    }
}
