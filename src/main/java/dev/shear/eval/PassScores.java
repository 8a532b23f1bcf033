package dev.shear.eval;

import dev.shear.engine.Progress;
import dev.shear.model.CausalLm;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@link ScoringPass} measured, row by row.
 *
 * @param rows    each row's index in its run
 * @param logprob sum of log P(token | prefix) over the row's scored tokens, accumulated in double
 * @param scored  the row's scored tokens
 * @param greedy  every scored token of the row is the model's argmax
 * @param seconds wall time of the pass where it ran
 */
public record PassScores(int[] rows, double[] logprob, int[] scored, boolean[] greedy, double seconds) implements Serializable {
    public PassScores {
        if (logprob.length != rows.length || scored.length != rows.length || greedy.length != rows.length)
            throw new IllegalArgumentException("pass scores: " + rows.length + " rows but " + logprob.length + " sums");
    }

    static PassScores of(int[] rows, RowScore[] scores, double seconds) {
        double[] lp = new double[rows.length];
        int[] sc = new int[rows.length];
        boolean[] gr = new boolean[rows.length];
        for (int i = 0; i < rows.length; i++) {
            lp[i] = scores[i].logprob();
            sc[i] = scores[i].scored();
            gr[i] = scores[i].greedy();
        }
        return new PassScores(rows, lp, sc, gr, seconds);
    }

    /** The rows of a run, put back in order from the scores of all its passes. */
    static RowScore[] assemble(int n, List<PassScores> passes) {
        RowScore[] out = new RowScore[n];
        for (PassScores p : passes)
            for (int i = 0; i < p.rows.length; i++) {
                if (out[p.rows[i]] != null) throw new IllegalArgumentException("pass scores: row " + p.rows[i] + " scored twice");
                out[p.rows[i]] = new RowScore(p.logprob[i], p.scored[i], p.greedy[i]);
            }
        for (int r = 0; r < n; r++) if (out[r] == null) throw new IllegalArgumentException("pass scores: row " + r + " of " + n + " was never scored");
        return out;
    }

    /** Scores every pass on a model here, in order, reporting rows done of n. */
    static RowScore[] scoreAll(CausalLm model, List<ScoringPass> passes, int n, Progress progress) {
        List<PassScores> scores = new ArrayList<>(passes.size());
        int done = 0;
        for (ScoringPass p : passes) {
            scores.add(p.score(model));
            done += p.rows();
            progress.step(done, n);
        }
        return assemble(n, scores);
    }

    static double seconds(List<PassScores> passes) {
        double s = 0;
        for (PassScores p : passes) s += p.seconds;
        return s;
    }
}
