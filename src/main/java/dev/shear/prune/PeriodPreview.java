package dev.shear.prune;

import dev.shear.graph.StructureRef;
import dev.shear.model.CausalLm;
import java.util.List;

/**
 * Sees each LHSPG period's selection already removed, before the period trains (the weights are
 * restored bit-exactly afterwards). Whatever it derives rides in the pruner's checkpoints, so a
 * resumed run sees the same thing as an uninterrupted one.
 */
public interface PeriodPreview {
    void accept(CausalLm model, List<StructureRef> selection);

    /** What the preview derived, for checkpoints. */
    default List<Double> state() { return List.of(); }

    default void restore(List<Double> state) {}
}
