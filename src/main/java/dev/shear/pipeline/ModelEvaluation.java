package dev.shear.pipeline;

import dev.shear.eval.PerplexityResult;
import dev.shear.eval.ZeroShotResult;
import java.util.Map;

/**
 * What the pipeline measured on one model (original, pruned or recovered): `./shear eval` on the
 * saved model gives the same numbers.
 *
 * @param perplexity by dataset name, in the order of the config
 * @param zeroshot   the zero-shot tasks; null when the config lists none
 */
public record ModelEvaluation(long params, String sha256, Map<String, PerplexityResult> perplexity, ZeroShotResult zeroshot) {}
