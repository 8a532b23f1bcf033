package dev.shear.data;

/**
 * One training micro-batch: inputs and next-token targets (B, T), and a 0/1 loss weight per target
 * (0 masks prompt tokens and padding).
 */
public record TokenBatch(int[][] inputs, int[][] targets, float[][] weights) implements java.io.Serializable {
    public TokenBatch {
        if (inputs.length == 0 || inputs.length != targets.length || inputs.length != weights.length)
            throw new IllegalArgumentException("token batch rows differ: inputs " + inputs.length + ", targets " + targets.length + ", weights " + weights.length);
    }

    /** Language-modelling batch: each row of tokens (length T+1) gives inputs [0, T) and targets [1, T]. */
    public static TokenBatch causal(int[][] rows) {
        int b = rows.length, t = rows[0].length - 1;
        int[][] in = new int[b][t], tg = new int[b][t];
        float[][] w = new float[b][t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(rows[i], 0, in[i], 0, t);
            System.arraycopy(rows[i], 1, tg[i], 0, t);
            java.util.Arrays.fill(w[i], 1f);
        }
        return new TokenBatch(in, tg, w);
    }

    public long scoredTokens() {
        long n = 0;
        for (float[] row : weights) for (float x : row) n += x > 0 ? 1 : 0;
        return n;
    }
}
