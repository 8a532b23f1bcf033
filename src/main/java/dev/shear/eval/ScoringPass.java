package dev.shear.eval;

import dev.shear.model.CausalLm;
import java.io.Serializable;

/**
 * One forward pass of a scoring run, planned before anything runs: the rows it scores, with their
 * tokens and their places in the run. The same rows in the same pass give the same bits in any
 * process, so the passes of a run can be scored on other machines, in any order, and put back
 * together into exactly the single-process result (what a cluster does: docs/distributed.md).
 */
public interface ScoringPass extends Serializable {
    /** How many rows (windows or options) the pass scores. */
    int rows();

    /** Scores the pass on a model holding the weights the run was planned for. */
    PassScores score(CausalLm model);
}
