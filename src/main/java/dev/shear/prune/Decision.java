package dev.shear.prune;

import dev.shear.graph.StructureRef;
import dev.shear.train.TrainingLoop;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What a method decided, as the compactor and the report take it.
 *
 * @param removed    the structures to slice away; their zeroed slices are exactly zero in the model
 * @param biasShift  per output-biased weight (o_proj, down_proj) a vector added to its bias: FLAP's
 *                   compensation for the removed channels' mean input; empty for the other methods
 * @param padTo      per layer, the MLP width to pad to with zero channels after compaction (width
 *                   alignment past a layer's original width); null entries or an empty list for none
 * @param alignment  what width alignment changed and its parameter cost; null without alignment
 * @param training   the LoRA training the method ran (losses, events); null when it trained none
 * @param trainSteps LoRA steps the method trained for
 * @param periods    LHSPG's record of each period; empty for one-shot methods
 */
public record Decision(List<StructureRef> removed, Map<String, double[]> biasShift, List<Integer> padTo,
                       MlpAlignment.Report alignment, TrainingLoop.Summary training, int trainSteps,
                       List<LhspgPruner.PeriodLog> periods) {
    public Decision {
        removed = List.copyOf(removed);
        biasShift = Map.copyOf(biasShift);
        padTo = Collections.unmodifiableList(new ArrayList<>(padTo));     // null entries allowed
        periods = List.copyOf(periods);
    }

    /** Removes exactly these structures: no compensation, alignment or training. */
    public static Decision of(List<StructureRef> removed) {
        return new Decision(removed, Map.of(), List.of(), null, null, 0, List.of());
    }

    /** The same decision after width alignment changed which structures go. */
    Decision aligned(MlpAlignment.Outcome a) {
        return new Decision(a.removed(), biasShift, a.padTo(), a.report(), training, trainSteps, periods);
    }
}
