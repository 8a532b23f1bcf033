package dev.shear.eval;

/**
 * One row to score: tokens[firstScored..] are predicted from everything before them in the row.
 * The model reads tokens[0 .. n-2]; tokens[0] is never scored.
 */
record TokenWindow(int[] tokens, int firstScored) {
    TokenWindow {
        if (tokens.length < 2 || firstScored < 1 || firstScored >= tokens.length)
            throw new IllegalArgumentException("token window of " + tokens.length + " scoring from " + firstScored
                    + ": needs >= 2 tokens and 1 <= firstScored < length");
    }

    int inputLength() { return tokens.length - 1; }

    int scored() { return tokens.length - firstScored; }
}
