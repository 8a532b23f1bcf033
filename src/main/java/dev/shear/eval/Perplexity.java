package dev.shear.eval;

import dev.shear.engine.Progress;
import dev.shear.io.Tokenizer;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/** Perplexity under a named {@link PerplexityProtocol}. */
public final class Perplexity {
    private Perplexity() {}

    /**
     * A measurement cut into the windows it scores, before any is scored: {@link #plan} turns them
     * into forward passes and {@link #result} sums their scores, here or on a cluster.
     *
     * @param fromLine   LINES: first non-empty line used (inclusive); else 0
     * @param toLine     LINES: end (exclusive); else 0
     * @param sequences  texts tokenized separately (lines, or 1 for a stream)
     * @param textTokens tokens of those texts, BOS included, before windowing
     */
    public record Rows(String label, PerplexitySpec spec, int window, int fromLine, int toLine, long sequences, long textTokens,
                       List<TokenWindow> windows) {
        public Rows {
            windows = List.copyOf(windows);
            if (windows.isEmpty())
                throw new IllegalArgumentException("perplexity: " + label + " gives no window of " + window + " tokens to score");
        }
    }

    /** Scores a named dataset (see {@link Datasets#text}) or a text file. */
    public static PerplexityResult evaluate(EvalTarget target, String dataset, PerplexitySpec spec, Progress progress) {
        return evaluate(target, Datasets.text(dataset), spec, progress);
    }

    public static PerplexityResult evaluate(EvalTarget target, TextDataset data, PerplexitySpec spec, Progress progress) {
        long start = System.nanoTime();
        return score(target, rows(target.tokenizer(), target.contextLength(), data, spec), start, progress);
    }

    /** The rows {@link #evaluate(EvalTarget, TextDataset, PerplexitySpec, Progress)} scores. */
    public static Rows rows(Tokenizer tok, int contextLength, TextDataset data, PerplexitySpec spec) {
        return spec.protocol() == PerplexityProtocol.LINES
                ? lineRows(tok, contextLength, data.name(), data.nonEmptyLines(), spec)
                : tokenRows(contextLength, data.name(), tok.encode(data.streamText(), true, false), spec);
    }

    /** LINES: non-empty lines [fromLine, toLine) of the given ones, each its own BOS-first sequence. */
    public static PerplexityResult ofLines(EvalTarget target, String label, List<String> lines, PerplexitySpec spec, Progress progress) {
        long start = System.nanoTime();
        return score(target, lineRows(target.tokenizer(), target.contextLength(), label, lines, spec), start, progress);
    }

    /** The rows of {@link #ofLines}. */
    public static Rows lineRows(Tokenizer tok, int contextLength, String label, List<String> lines, PerplexitySpec spec) {
        if (spec.protocol() != PerplexityProtocol.LINES)
            throw new IllegalArgumentException("perplexity: ofLines needs the lines protocol, got " + spec.protocol());
        int to = spec.toLine() < 0 ? lines.size() : spec.toLine();
        if (to > lines.size() || spec.fromLine() > to)
            throw new IllegalArgumentException("perplexity: lines [" + spec.fromLine() + ", " + to + ") but " + label + " has " + lines.size() + " non-empty lines");
        int w = spec.windowFor(contextLength);
        List<TokenWindow> rows = new ArrayList<>();
        long textTokens = 0;
        for (String line : lines.subList(spec.fromLine(), to)) {
            int[] ids = tok.encode(line, true, false);
            textTokens += ids.length;
            rows.addAll(Windows.nonOverlapping(ids, w, false));
        }
        return new Rows(label, spec, w, spec.fromLine(), to, to - spec.fromLine(), textTokens, rows);
    }

    /**
     * The LINES protocol's windows as plain token arrays, each scored from its second token: for a
     * runtime outside Shear (llama.cpp) to score exactly what {@link #ofLines} scores.
     */
    public static List<int[]> lineWindows(dev.shear.io.Tokenizer tok, List<String> lines, int window) {
        List<int[]> out = new ArrayList<>();
        for (String line : lines)
            for (TokenWindow w : Windows.nonOverlapping(tok.encode(line, true, false), window, false)) out.add(w.tokens());
        return out;
    }

    /** Stream protocols on a text: tokenized once, BOS first. */
    public static PerplexityResult ofText(EvalTarget target, String label, String text, PerplexitySpec spec, Progress progress) {
        long start = System.nanoTime();
        int[] ids = target.tokenizer().encode(text, true, false);
        return score(target, tokenRows(target.contextLength(), label, ids, spec), start, progress);
    }

    /** Stream protocols on a token stream the caller already made (BOS included if wanted). */
    public static PerplexityResult ofTokens(EvalTarget target, String label, int[] ids, PerplexitySpec spec, Progress progress) {
        return score(target, tokenRows(target.contextLength(), label, ids, spec), System.nanoTime(), progress);
    }

    /** The rows of {@link #ofTokens}. */
    public static Rows tokenRows(int contextLength, String label, int[] ids, PerplexitySpec spec) {
        int w = spec.windowFor(contextLength);
        List<TokenWindow> rows = switch (spec.protocol()) {
            case STREAM, LLM_PRUNER, LONG -> Windows.nonOverlapping(ids, w, true);
            case SLIDING -> Windows.sliding(ids, w, spec.stride());
            case LINES -> throw new IllegalArgumentException("perplexity: the lines protocol scores lines, use ofLines");
        };
        return new Rows(label, spec, w, 0, 0, 1, ids.length, rows);
    }

    /** Scores rows on the target's model in this process. */
    public static PerplexityResult score(EvalTarget target, Rows rows, Progress progress) { return score(target, rows, System.nanoTime(), progress); }

    private static PerplexityResult score(EvalTarget target, Rows rows, long start, Progress progress) {
        RowScore[] scores = PassScores.scoreAll(target.model(), plan(target.model().config(), rows), rows.windows().size(), progress);
        return result(rows, scores, target.modelSha256(), target.tokenizerDescription(), (System.nanoTime() - start) / 1e9);
    }

    /** The forward passes that score the rows, to be scored anywhere and summed by {@link #result}. */
    public static List<ScoringPass> plan(ModelConfig config, Rows rows) { return SequenceScorer.plan(config, rows.windows(), rows.spec().batch()); }

    /** The measurement from the scores of every pass {@link #plan} made, summed in row order as in one process. */
    public static PerplexityResult result(Rows rows, List<PassScores> passes, String modelSha256, String tokenizer, double seconds) {
        return result(rows, PassScores.assemble(rows.windows().size(), passes), modelSha256, tokenizer, seconds);
    }

    private static PerplexityResult result(Rows rows, RowScore[] scores, String modelSha256, String tokenizer, double seconds) {
        double nllSum = 0;
        long tokens = 0;
        for (RowScore r : scores) {
            nllSum -= r.logprob();
            tokens += r.scored();
        }
        double nll = nllSum / tokens;
        return new PerplexityResult(rows.spec().protocol().id(), rows.label(), rows.window(), rows.spec().stride(), rows.fromLine(), rows.toLine(),
                rows.sequences(), rows.textTokens(), rows.windows().size(), tokens, nllSum, nll, Math.exp(nll), modelSha256, tokenizer,
                seconds, tokens / seconds);
    }
}
