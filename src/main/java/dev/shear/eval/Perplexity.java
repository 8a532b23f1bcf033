package dev.shear.eval;

import dev.shear.engine.Progress;
import java.util.ArrayList;
import java.util.List;

/** Perplexity under a named {@link PerplexityProtocol}. */
public final class Perplexity {
    private Perplexity() {}

    /** Scores a named dataset (see {@link Datasets#text}) or a text file. */
    public static PerplexityResult evaluate(EvalTarget target, String dataset, PerplexitySpec spec, Progress progress) {
        return evaluate(target, Datasets.text(dataset), spec, progress);
    }

    public static PerplexityResult evaluate(EvalTarget target, TextDataset data, PerplexitySpec spec, Progress progress) {
        return spec.protocol() == PerplexityProtocol.LINES
                ? ofLines(target, data.name(), data.nonEmptyLines(), spec, progress)
                : ofText(target, data.name(), data.streamText(), spec, progress);
    }

    /** LINES: non-empty lines [fromLine, toLine) of the given ones, each its own BOS-first sequence. */
    public static PerplexityResult ofLines(EvalTarget target, String label, List<String> lines, PerplexitySpec spec, Progress progress) {
        if (spec.protocol() != PerplexityProtocol.LINES)
            throw new IllegalArgumentException("perplexity: ofLines needs the lines protocol, got " + spec.protocol());
        int to = spec.toLine() < 0 ? lines.size() : spec.toLine();
        if (to > lines.size() || spec.fromLine() > to)
            throw new IllegalArgumentException("perplexity: lines [" + spec.fromLine() + ", " + to + ") but " + label + " has " + lines.size() + " non-empty lines");
        long start = System.nanoTime();
        int w = spec.windowFor(target.contextLength());
        List<TokenWindow> rows = new ArrayList<>();
        long textTokens = 0;
        for (String line : lines.subList(spec.fromLine(), to)) {
            int[] ids = target.tokenizer().encode(line, true, false);
            textTokens += ids.length;
            rows.addAll(Windows.nonOverlapping(ids, w, false));
        }
        return score(target, label, spec, w, spec.fromLine(), to, to - spec.fromLine(), textTokens, rows, start, progress);
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
        return ofTokens(target, label, ids, spec, start, progress);
    }

    /** Stream protocols on a token stream the caller already made (BOS included if wanted). */
    public static PerplexityResult ofTokens(EvalTarget target, String label, int[] ids, PerplexitySpec spec, Progress progress) {
        return ofTokens(target, label, ids, spec, System.nanoTime(), progress);
    }

    private static PerplexityResult ofTokens(EvalTarget target, String label, int[] ids, PerplexitySpec spec, long start, Progress progress) {
        int w = spec.windowFor(target.contextLength());
        List<TokenWindow> rows = switch (spec.protocol()) {
            case STREAM, LLM_PRUNER, LONG -> Windows.nonOverlapping(ids, w, true);
            case SLIDING -> Windows.sliding(ids, w, spec.stride());
            case LINES -> throw new IllegalArgumentException("perplexity: the lines protocol scores lines, use ofLines");
        };
        return score(target, label, spec, w, 0, 0, 1, ids.length, rows, start, progress);
    }

    private static PerplexityResult score(EvalTarget target, String label, PerplexitySpec spec, int w, int from, int to,
                                          long sequences, long textTokens, List<TokenWindow> rows, long start, Progress progress) {
        if (rows.isEmpty())
            throw new IllegalArgumentException("perplexity: " + label + " gives no window of " + w + " tokens to score");
        RowScore[] scores = SequenceScorer.score(target.model(), rows, spec.batch(), progress);
        double nllSum = 0;
        long tokens = 0;
        for (RowScore r : scores) {
            nllSum -= r.logprob();
            tokens += r.scored();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double nll = nllSum / tokens;
        return new PerplexityResult(spec.protocol().id(), label, w, spec.stride(), from, to, sequences, textTokens, rows.size(), tokens,
                nllSum, nll, Math.exp(nll), target.modelSha256(), target.tokenizerDescription(), seconds, tokens / seconds);
    }
}
