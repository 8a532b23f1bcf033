package dev.shear.eval;

import dev.shear.engine.Engine;
import dev.shear.engine.Ops;
import dev.shear.engine.Progress;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.model.CausalLm;
import dev.shear.model.KvCache;
import dev.shear.model.ModelConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Scores groups of rows that start alike (the options of one item) computing their shared
 * prefix once. A first pass feeds the prefixes of several groups into a KV cache without logits;
 * the cache is forked to one row per option, and a second pass runs every option's remaining
 * tokens against its group's prefix. Every token keeps the position it has in its whole row, so
 * scores equal {@link SequenceScorer}'s up to rounding. Groups are sorted by prefix length (longest
 * first) and packed while both passes fit the batch shape; padding is masked out of attention and sums.
 */
final class SharedPrefixScorer {
    private SharedPrefixScorer() {}

    /** A group's rows, the input tokens they share, and where its rows go in the output. */
    private record Group(List<TokenWindow> rows, int prefix, int first) implements Serializable {
        /** Longest remaining input of a row after the prefix. */
        int suffix() { return rows.stream().mapToInt(w -> w.inputLength() - prefix).max().orElseThrow(); }

        /** Input tokens of the rows after the prefix. */
        int tokens() { return rows.stream().mapToInt(w -> w.inputLength() - prefix).sum(); }
    }

    /** @return scores in group order, the rows of each group in order */
    static RowScore[] score(CausalLm model, List<List<TokenWindow>> groups, BatchShape shape, Progress progress) {
        int n = 0;
        for (List<TokenWindow> g : groups) n += g.size();
        return PassScores.scoreAll(model, plan(model.config(), groups, shape), n, progress);
    }

    /** The passes {@link #score} makes: groups sorted by prefix (longest first), packed while both passes fit the shape. */
    static List<ScoringPass> plan(ModelConfig config, List<List<TokenWindow>> groups, BatchShape shape) {
        List<Group> all = new ArrayList<>(groups.size());
        int n = 0;
        for (List<TokenWindow> rows : groups) {
            SequenceScorer.checkContext(config, rows);
            all.add(new Group(List.copyOf(rows), sharedPrefix(rows), n));
            n += rows.size();
        }
        all.sort(Comparator.comparingInt((Group g) -> -g.prefix()).thenComparingInt(g -> -g.suffix()));
        int heads = SequenceScorer.heads(config), vocab = config.vocabSize();
        List<ScoringPass> passes = new ArrayList<>();
        int start = 0;
        while (start < all.size()) {
            int end = batchEnd(all, start, shape, heads, vocab);
            passes.add(new Pass(List.copyOf(all.subList(start, end))));
            start = end;
        }
        return passes;
    }

    /**
     * Takes groups from start while both passes fit the shape and padding stays under a fifth of
     * the tokens they compute: a long prefix among short ones would otherwise multiply their cost.
     */
    private static int batchEnd(List<Group> all, int start, BatchShape shape, int heads, int vocab) {
        int prefix = padTo(all.get(start).prefix());
        long real = 0, rows = 0;
        int suffix = 0, end = start;
        for (; end < all.size(); end++) {
            Group g = all.get(end);
            long r = rows + g.rows().size(), t = real + g.prefix() + g.tokens();
            int s = Math.max(suffix, g.suffix());
            long padded = (end - start + 1L) * prefix + r * s;
            boolean fits = shape.fits(end - start + 1, prefix, prefix, heads, 0) && shape.fits(r, s, prefix + s, heads, vocab);
            if (end > start && (!fits || 5 * (padded - t) > padded)) break;
            rows = r;
            real = t;
            suffix = s;
        }
        return end;
    }

    /** A prefill of one pad when nothing is shared: the fork then hides it. */
    private static int padTo(int prefix) { return Math.max(1, prefix); }

    /**
     * Leading input tokens every row has alike, stopping at each row's last context token: that
     * token's logits predict the first scored token, so it runs in the second pass.
     */
    static int sharedPrefix(List<TokenWindow> rows) {
        int[] a = rows.get(0).tokens();
        int p = Integer.MAX_VALUE;
        for (TokenWindow w : rows) {
            int[] t = w.tokens();
            int k = 0, limit = Math.min(w.firstScored() - 1, a.length);
            while (k < limit && t[k] == a[k]) k++;
            p = Math.min(p, k);
        }
        return p;
    }

    /** Groups whose prefixes fill the KV cache in a first pass and whose rows continue from it in a second. */
    private record Pass(List<Group> batch) implements ScoringPass {
        @Override public int rows() { return batch.stream().mapToInt(g -> g.rows().size()).sum(); }

        @Override public PassScores score(CausalLm model) {
            long t0 = System.nanoTime();
            int rows = rows();
            int prefix = padTo(batch.get(0).prefix()), suffix = batch.stream().mapToInt(Group::suffix).max().orElseThrow();
            int[][] prefixes = new int[batch.size()][];
            int[][] inputs = new int[rows][], targets = new int[rows][];
            int[] rowGroup = new int[rows], rowPrefix = new int[rows];
            int r = 0;
            for (int g = 0; g < batch.size(); g++) {
                Group group = batch.get(g);
                int p = group.prefix();
                prefixes[g] = SequenceScorer.padded(group.rows().get(0).tokens(), 0, p, prefix);
                for (TokenWindow w : group.rows()) {
                    int[] t = w.tokens();
                    inputs[r] = SequenceScorer.padded(t, p, t.length - 1, suffix);
                    targets[r] = SequenceScorer.padded(t, p + 1, t.length, suffix);
                    rowGroup[r] = g;
                    rowPrefix[r++] = p;
                }
            }
            double[] nll;
            long[] argmax;
            try (StepScope s = Engine.openScope(model.store())) {
                KvCache cache = new KvCache(s, model.config().numLayers());
                model.prefill(s.tokens(prefixes), cache);                                  // (G, P) into the cache
                Tensor logits = model.forward(s.tokens(inputs), cache.fork(s, rowGroup, rowPrefix));   // (R, S, V)
                nll = Ops.tokenNll(logits, s.tokens(targets)).toDoubles();                // (R, S)
                argmax = logits.argmax(-1).toLongs();                                     // (R, S)
            }
            int[] index = new int[rows];
            RowScore[] out = new RowScore[rows];
            r = 0;
            for (Group group : batch)
                for (int i = 0; i < group.rows().size(); i++, r++) {
                    index[r] = group.first() + i;
                    out[r] = SequenceScorer.sum(group.rows().get(i), group.prefix(), nll, argmax, r * suffix);
                }
            return PassScores.of(index, out, (System.nanoTime() - t0) / 1e9);
        }
    }
}
