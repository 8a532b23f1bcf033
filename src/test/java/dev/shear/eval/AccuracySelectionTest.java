package dev.shear.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class AccuracySelectionTest {
    private static ChoiceScore choice(double loglik, String choice) {
        ChoiceItem.Option o = ChoiceItem.Option.of("ctx", choice);
        return new ChoiceScore(loglik, 1, o.continuationChars(), o.choiceChars(), false, false);
    }

    @Test void accPicksTheLikeliestWhileAccNormPicksTheLikeliestPerCharacter() {
        // -10 over " short" (6 chars) = -1.67/char; -12 over " a much longer one" (18) = -0.67/char
        ItemScore s = new ItemScore(0, 1, List.of(choice(-10, "short"), choice(-12, "a much longer one")));
        assertEquals(0, s.accChoice());
        assertEquals(1, s.accNormChoice());
        assertEquals(1, s.accNormHarnessChoice());
    }

    @Test void theLeadingSpaceDecidesBetweenTheTwoNormalisations() {
        // " no" -3.0 / 3 = -1.000 vs " yes" -4.1 / 4 = -1.025: continuation chars pick "no";
        // "no" -3.0 / 2 = -1.500 vs "yes" -4.1 / 3 = -1.367: lm-eval's bare choice picks "yes"
        ItemScore s = new ItemScore(0, 0, List.of(choice(-3.0, "no"), choice(-4.1, "yes")));
        assertEquals(0, s.accChoice());
        assertEquals(0, s.accNormChoice());
        assertEquals(1, s.accNormHarnessChoice());
    }

    @Test void tiesGoToTheLowestIndex() {
        ItemScore s = new ItemScore(0, 0, List.of(choice(-2, "ab"), choice(-1, "cd"), choice(-1, "ef")));
        assertEquals(1, s.accChoice());
        assertEquals(1, s.accNormChoice());
    }

    @Test void codePointsNotUtf16UnitsAreCounted() {
        assertEquals(3, ChoiceItem.Option.of("c", "\uD83D\uDE00a").continuationChars());   // " " + emoji + "a"
    }

    @Test void summaryUsesLlmPrunerMetricsAndHarnessStandardErrors() {
        List<ItemScore> items = List.of(
                new ItemScore(0, 1, List.of(choice(-10, "short"), choice(-12, "a much longer one"))),  // acc wrong, norm right
                new ItemScore(1, 0, List.of(choice(-1, "x"), choice(-5, "y"))),                        // both right
                new ItemScore(2, 1, List.of(choice(-1, "x"), choice(-5, "y"))),                        // both wrong
                new ItemScore(3, 0, List.of(choice(-1, "x"), choice(-5, "y"))));                       // both right
        ZeroShotTaskResult hs = ZeroShot.summarise(ZeroShotTask.HELLASWAG, PromptTemplate.STORED, items, 1.0);
        assertEquals(0.5, hs.acc(), 1e-12);
        assertEquals(0.75, hs.accNorm(), 1e-12);
        assertEquals(Math.sqrt(0.5 * 0.5 / 3), hs.accStderr(), 1e-12);      // sample std / sqrt(n)
        assertEquals(Math.sqrt(0.75 * 0.25 / 3), hs.accNormStderr(), 1e-12);
        assertEquals("acc_norm", hs.llmPrunerMetric());
        assertEquals(0.75, hs.llmPrunerScore(), 1e-12);
        assertEquals(8, hs.requests());
        ZeroShotTaskResult bq = ZeroShot.summarise(ZeroShotTask.BOOLQ, PromptTemplate.STORED, items, 1.0);
        assertEquals("acc", bq.llmPrunerMetric());
        assertEquals(0.5, bq.llmPrunerScore(), 1e-12);
    }
}
