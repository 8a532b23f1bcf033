package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shear.engine.Progress;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchedScoringTest {
    private static CausalLm model;
    private static EvalTarget target;

    @BeforeAll static void setUp() {
        model = TinyModels.random(32, 11);
        target = TinyModels.target(model);
    }

    @AfterAll static void tearDown() { model.close(); }

    private static String word(Random rnd, int min, int max) {
        StringBuilder sb = new StringBuilder();
        int n = min + rnd.nextInt(max - min + 1);
        for (int i = 0; i < n; i++) sb.append((char) ('a' + rnd.nextInt(26)));
        return sb.toString();
    }

    /** Items of 2-5 options with contexts of 3-40 characters: some rows get cut to the context. */
    private static List<ChoiceItem> items(int n) {
        Random rnd = new Random(5);
        List<ChoiceItem> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String ctx = word(rnd, 3, 40) + (rnd.nextBoolean() ? "\n" : "");
            List<ChoiceItem.Option> options = new ArrayList<>();
            int k = 2 + rnd.nextInt(4);
            for (int j = 0; j < k; j++) options.add(ChoiceItem.Option.of(ctx, word(rnd, 1, 9)));
            out.add(new ChoiceItem(i, rnd.nextInt(k), options));
        }
        return out;
    }

    @Test void batchedZeroShotEqualsOneRequestAtATime() {
        List<ChoiceItem> items = items(12);
        List<ItemScore> batched = ZeroShot.scoreItems(target, items, BatchShape.of(8), Progress.NONE);
        List<ItemScore> single = ZeroShot.scoreItems(target, items, BatchShape.SINGLE, Progress.NONE);
        int truncated = 0;
        for (int i = 0; i < items.size(); i++) {
            for (int j = 0; j < items.get(i).options().size(); j++) {
                ChoiceScore b = batched.get(i).choices().get(j), s = single.get(i).choices().get(j);
                assertEquals(s.loglik(), b.loglik(), 1e-5, "item " + i + " option " + j);
                assertEquals(s.greedy(), b.greedy());
                if (b.truncated()) truncated++;
            }
            assertEquals(single.get(i).accChoice(), batched.get(i).accChoice());
            assertEquals(single.get(i).accNormChoice(), batched.get(i).accNormChoice());
        }
        assertEquals(true, truncated > 0, "some rows should exceed the 32-token context");
    }

    @Test void singleRequestScoresMatchTheReference() {
        List<ChoiceItem> items = items(3);
        List<ItemScore> scores = ZeroShot.scoreItems(target, items, BatchShape.SINGLE, Progress.NONE);
        for (int i = 0; i < items.size(); i++)
            for (int j = 0; j < items.get(i).options().size(); j++) {
                ContinuationRequest r = ContinuationRequest.of(target.tokenizer(), items.get(i).options().get(j).context(),
                        items.get(i).options().get(j).continuation(), 32);
                double ref = Reference.logprob(model, r.window().tokens(), r.window().firstScored());
                assertEquals(ref, scores.get(i).choices().get(j).loglik(), 1e-4);
            }
    }

    @Test void batchedLinesEqualOneLineAtATime() {
        Random rnd = new Random(9);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 20; i++) lines.add(word(rnd, 1, 70));      // some span several 32-token windows
        PerplexitySpec spec = PerplexitySpec.lines(0, -1);
        PerplexityResult batched = Perplexity.ofLines(target, "random", lines, spec.withBatch(BatchShape.of(8)), Progress.NONE);
        PerplexityResult single = Perplexity.ofLines(target, "random", lines, spec.withBatch(BatchShape.SINGLE), Progress.NONE);
        assertEquals(single.tokens(), batched.tokens());
        assertEquals(single.nllSum(), batched.nllSum(), 1e-5 * single.tokens());
        assertEquals(single.nll(), batched.nll(), 1e-6);
    }
}
