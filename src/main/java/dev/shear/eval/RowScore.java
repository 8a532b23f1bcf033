package dev.shear.eval;

/**
 * The result for one {@link TokenWindow}.
 *
 * @param logprob sum of log P(token | prefix) over the scored tokens, accumulated in double
 * @param greedy  every scored token is the model's argmax
 */
record RowScore(double logprob, int scored, boolean greedy) {}
