package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.Progress;
import dev.shear.model.CausalLm;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PerplexityProtocolTest {
    private static final String TEXT = "the cat sat on the mat and ran"; // 30 chars: 31 tokens with BOS
    private static CausalLm model;
    private static EvalTarget target;

    @BeforeAll static void setUp() {
        model = TinyModels.random(16, 7);
        target = TinyModels.target(model);
    }

    @AfterAll static void tearDown() { model.close(); }

    @Test void streamCountsWholeWindowsAndDropsTheRemainder() {
        PerplexityResult r = Perplexity.ofText(target, "toy", TEXT, PerplexitySpec.stream(8), Progress.NONE);
        assertEquals(31, r.textTokens());
        assertEquals(3, r.windows());             // 31 / 8 = 3, 7 tokens dropped
        assertEquals(21, r.tokens());             // 7 predicted per window
        assertEquals("stream", r.protocol());
        assertEquals(r.nllSum() / 21, r.nll(), 1e-12);
        assertEquals(Math.exp(r.nll()), r.ppl(), 1e-9);
    }

    @Test void streamNllMatchesOneWindowAtATime() {
        int[] ids = target.tokenizer().encode(TEXT, true, false);
        double expected = 0;
        for (int a = 0; a + 8 <= ids.length; a += 8) expected -= Reference.logprob(model, Arrays.copyOfRange(ids, a, a + 8), 1);
        PerplexityResult r = Perplexity.ofText(target, "toy", TEXT, PerplexitySpec.stream(8), Progress.NONE);
        assertEquals(expected, r.nllSum(), 1e-4);
    }

    @Test void longUsesTheModelContext() {
        PerplexityResult r = Perplexity.ofText(target, "toy", TEXT, PerplexitySpec.longContext(), Progress.NONE);
        assertEquals(16, r.window());
        assertEquals(1, r.windows());             // 31 / 16 = 1
        assertEquals(15, r.tokens());
    }

    @Test void slidingScoresEveryTokenButTheFirstOnce() {
        PerplexityResult r = Perplexity.ofText(target, "toy", TEXT, PerplexitySpec.sliding(8, 4), Progress.NONE);
        assertEquals(7, r.windows());             // starts 0, 4, ..., 24; the one at 24 reaches the end
        assertEquals(30, r.tokens());
        int[] ids = target.tokenizer().encode(TEXT, true, false);
        double expected = -Reference.logprob(model, Arrays.copyOfRange(ids, 0, 8), 1);
        for (int begin = 4, prevEnd = 8; prevEnd < ids.length; begin += 4) {
            int end = Math.min(begin + 8, ids.length);
            expected -= Reference.logprob(model, Arrays.copyOfRange(ids, begin, end), prevEnd - begin);
            prevEnd = end;
        }
        assertEquals(expected, r.nllSum(), 1e-4);
    }

    @Test void linesAreSeparateSequencesSplitIntoWindows() {
        List<String> lines = TextDataset.nonEmptyLines("ab\r\n\r\nabc\n\n");
        assertEquals(List.of("ab", "abc"), lines);
        PerplexitySpec spec = PerplexitySpec.lines(0, -1);
        assertEquals(5, Perplexity.ofLines(target, "toy", lines, spec, Progress.NONE).tokens());       // 2 + 3
        PerplexityResult w3 = Perplexity.ofLines(target, "toy", lines, spec.withWindow(3), Progress.NONE);
        assertEquals(4, w3.tokens());             // "abc" = 4 tokens: window [0,3) scores 2, [3,4) alone scores 0
        assertEquals(7, w3.textTokens());
        PerplexityResult second = Perplexity.ofLines(target, "toy", lines, PerplexitySpec.lines(1, 2), Progress.NONE);
        assertEquals(3, second.tokens());
        assertEquals(-Reference.logprob(model, target.tokenizer().encode("abc", true, false), 1), second.nllSum(), 1e-4);
    }

    @Test void lineRangeBeyondTheFileIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Perplexity.ofLines(target, "toy", List.of("a"), PerplexitySpec.lines(0, 5), Progress.NONE));
        assertTrue(e.getMessage().contains("[0, 5)"), e.getMessage());
    }

    @Test void specRejectsBadWindowsAndStrides() {
        assertThrows(IllegalArgumentException.class, () -> PerplexitySpec.sliding(8, 8));
        assertThrows(IllegalArgumentException.class, () -> PerplexitySpec.stream(1));
        assertThrows(IllegalArgumentException.class, () -> PerplexitySpec.llmPruner().withWindow(64));
        assertThrows(IllegalArgumentException.class, () -> PerplexitySpec.stream(32).windowFor(16));
        assertEquals(PerplexityProtocol.LLM_PRUNER, PerplexityProtocol.parse("llm-pruner"));
        assertEquals(128, PerplexitySpec.llmPruner().window());
        assertThrows(IllegalArgumentException.class, () -> PerplexitySpec.of(PerplexityProtocol.LONG, 64, 0));
        assertEquals(4, PerplexitySpec.of(PerplexityProtocol.SLIDING, 8, 4).stride());
        assertEquals(128, PerplexitySpec.of(PerplexityProtocol.LLM_PRUNER, 0, 0).window());
    }

    @Test void progressReachesTheTotal() {
        long[] last = new long[2];
        Perplexity.ofText(target, "toy", TEXT, PerplexitySpec.stream(4).withBatch(BatchShape.of(2)), (d, t) -> { last[0] = d; last[1] = t; });
        assertEquals(7, last[1]);
        assertEquals(7, last[0]);
    }
}
