package dev.shear.eval;

import java.io.Serializable;

/**
 * One row to score: tokens[firstScored..] are predicted from everything before them in the row.
 * The model reads tokens[0 .. n-2]; tokens[0] is never scored.
 */
public record TokenWindow(int[] tokens, int firstScored) implements Serializable {
    public TokenWindow {
        if (tokens.length < 2 || firstScored < 1 || firstScored >= tokens.length)
            throw new IllegalArgumentException("token window of " + tokens.length + " scoring from " + firstScored
                    + ": needs >= 2 tokens and 1 <= firstScored < length");
    }

    public int inputLength() { return tokens.length - 1; }

    public int scored() { return tokens.length - firstScored; }
}
