package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Progress;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Scoring each item's options from one context pass changes no score and no chosen answer. */
class SharedContextScoringTest {
    /**
     * Three items in one pass: shared prefixes of 10, 9 and 8 tokens (the last a WinoGrande-style
     * item whose options differ in context and share the continuation), options of 4 to 6 tokens.
     */
    @Test void mixedLengthsInOnePassMatchTheReference() {
        try (CausalLm model = TinyModels.random(32, 11)) {
            EvalTarget target = TinyModels.target(model);
            List<ChoiceItem> items = List.of(
                    new ChoiceItem(0, 0, List.of(ChoiceItem.Option.of("abcdefghij", "abcd"), ChoiceItem.Option.of("abcdefghij", "bcdef"),
                            ChoiceItem.Option.of("abcdefghij", "cde"))),
                    new ChoiceItem(1, 1, List.of(ChoiceItem.Option.of("qrstuvwxy", "hijkl"), ChoiceItem.Option.of("qrstuvwxy", "mnop"))),
                    new ChoiceItem(2, 0, List.of(ChoiceItem.Option.of("abcdefghij", "end"), ChoiceItem.Option.of("abcdefgxyz", "end"))));
            List<List<ContinuationRequest>> requests = ZeroShot.requests(target, items);
            List<Integer> prefixes = new ArrayList<>();
            for (List<ContinuationRequest> g : requests) prefixes.add(SharedPrefixScorer.sharedPrefix(g.stream().map(ContinuationRequest::window).toList()));
            assertEquals(List.of(10, 9, 8), prefixes);
            AtomicInteger passes = new AtomicInteger();
            List<ItemScore> shared = ZeroShot.scoreRequests(target, items, requests, BatchShape.of(8), true, (d, t) -> passes.incrementAndGet());
            List<ItemScore> single = ZeroShot.scoreRequests(target, items, requests, BatchShape.SINGLE, false, Progress.NONE);
            assertEquals(1, passes.get(), "all three items should share one pair of passes");
            for (int i = 0; i < items.size(); i++) {
                for (int j = 0; j < items.get(i).options().size(); j++) {
                    TokenWindow w = requests.get(i).get(j).window();
                    ChoiceScore s = shared.get(i).choices().get(j);
                    assertEquals(Reference.logprob(model, w.tokens(), w.firstScored()), s.loglik(), 1e-4, "item " + i + " option " + j);
                    assertEquals(single.get(i).choices().get(j).loglik(), s.loglik(), 1e-5);
                    assertEquals(single.get(i).choices().get(j).greedy(), s.greedy());
                }
                assertEquals(single.get(i).accChoice(), shared.get(i).accChoice());
            }
        }
    }

    /** Rows cut differently from the left share no first token: the prefill holds only padding. */
    @Test void rowsSharingNothingScoreAlone() {
        try (CausalLm model = TinyModels.random(32, 11)) {
            List<TokenWindow> rows = List.of(new TokenWindow(new int[] {7, 5, 6, 9}, 2), new TokenWindow(new int[] {8, 5, 6, 10, 11}, 3));
            assertEquals(0, SharedPrefixScorer.sharedPrefix(rows));
            RowScore[] scores = SharedPrefixScorer.score(model, List.of(rows), BatchShape.of(8), Progress.NONE);
            for (int r = 0; r < rows.size(); r++)
                assertEquals(Reference.logprob(model, rows.get(r).tokens(), rows.get(r).firstScored()), scores[r].logprob(), 1e-4);
        }
    }

    /** The real model on the first 20 items of every task: the shared-context path against one request per pass. */
    @Test void firstTwentyItemsOfEveryTaskMatchTheIndependentPath() {
        assumeTrue(Stories260K.available(), "stories260K is not in the data folder");
        try (CausalLm model = Stories260K.model(DType.F32); Tokenizer tok = Stories260K.tokenizer()) {
            EvalTarget target = new EvalTarget(model, tok, "");
            ZeroShotSpec spec = ZeroShotSpec.all().withLimit(20);
            for (ZeroShotTask task : ZeroShotTask.values()) {
                List<ChoiceItem> items = ZeroShot.load(task, spec);
                List<List<ContinuationRequest>> requests = ZeroShot.requests(target, items);
                List<ItemScore> shared = ZeroShot.scoreRequests(target, items, requests, spec.batch(), true, Progress.NONE);
                List<ItemScore> single = ZeroShot.scoreRequests(target, items, requests, BatchShape.SINGLE, false, Progress.NONE);
                for (int i = 0; i < items.size(); i++) {
                    String where = task.id() + " item " + i;
                    for (int j = 0; j < items.get(i).options().size(); j++) {
                        assertEquals(single.get(i).choices().get(j).loglik(), shared.get(i).choices().get(j).loglik(), 1e-4, where + " option " + j);
                        assertEquals(single.get(i).choices().get(j).greedy(), shared.get(i).choices().get(j).greedy(), where + " option " + j);
                    }
                    assertEquals(single.get(i).accChoice(), shared.get(i).accChoice(), where);
                    assertEquals(single.get(i).accNormChoice(), shared.get(i).accNormChoice(), where);
                    assertEquals(single.get(i).accNormHarnessChoice(), shared.get(i).accNormHarnessChoice(), where);
                }
            }
        }
    }
}
