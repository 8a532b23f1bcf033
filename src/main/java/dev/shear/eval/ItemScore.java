package dev.shear.eval;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** An item's option scores and the choices each accuracy rule makes (ties go to the lowest index, as numpy's argmax). */
public record ItemScore(int index, int gold, List<ChoiceScore> choices) {
    public ItemScore { choices = List.copyOf(choices); }

    /** acc: argmax of the log-likelihood. */
    public int accChoice() { return argmax(ChoiceScore::loglik); }

    /** acc_norm: argmax of log-likelihood per continuation character (" " + choice). */
    public int accNormChoice() { return argmax(c -> c.loglik() / c.continuationChars()); }

    /** lm-eval's acc_norm: argmax of log-likelihood per character of the bare choice. */
    public int accNormHarnessChoice() { return argmax(c -> c.loglik() / c.choiceChars()); }

    private int argmax(ToDoubleFunction<ChoiceScore> f) {
        int best = 0;
        for (int i = 1; i < choices.size(); i++) if (f.applyAsDouble(choices.get(i)) > f.applyAsDouble(choices.get(best))) best = i;
        return best;
    }
}
