package dev.shear.eval;

/**
 * The score of one option.
 *
 * @param loglik            sum of log P(continuation token | everything before it)
 * @param tokens            continuation tokens (all of them, even if a long row was cut)
 * @param continuationChars acc_norm divisor (see {@link ChoiceItem.Option})
 * @param choiceChars       lm-eval's acc_norm divisor
 * @param greedy            every continuation token is the model's argmax
 * @param truncated         the context was cut from the left to fit the model
 */
public record ChoiceScore(double loglik, int tokens, int continuationChars, int choiceChars, boolean greedy, boolean truncated) {}
