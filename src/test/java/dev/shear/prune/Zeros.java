package dev.shear.prune;

import dev.shear.engine.HostTensor;
import dev.shear.graph.Cut;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Independent check of a decision: the structures whose zeroed slices are all exactly zero in the model, found by scanning it. */
final class Zeros {
    private Zeros() {}

    static List<StructureRef> structures(CausalLm model, StructureSet set) {
        Map<String, HostTensor> w = model.toHost();
        List<StructureRef> out = new ArrayList<>();
        for (StructureRef r : set.all()) {
            boolean zero = !set.get(r).zeroed().isEmpty();
            for (Cut c : set.get(r).zeroed()) zero &= SliceMath.sum(w.get(c.param()), c, (x, i, j) -> x == 0 ? 0 : 1) == 0;
            if (zero) out.add(r);
        }
        return out;
    }
}
