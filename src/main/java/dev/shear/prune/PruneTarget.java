package dev.shear.prune;

import dev.shear.graph.DependencyGraph;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import java.util.Objects;

/**
 * The model being pruned, the adapters it is traced and trained with, and its structures. LoRA goes
 * in once, before the trace, so the structures carry their LoRA slices; the method then trains with
 * the adapters or discards them, and merges whatever it keeps before compaction.
 */
public record PruneTarget(CausalLm model, LoraAdapters adapters, StructureSet structures) {
    public PruneTarget {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(adapters, "adapters");
        Objects.requireNonNull(structures, "structures");
    }

    /** Inserts the adapters and traces the model with them. */
    public static PruneTarget trace(CausalLm model, LoraConfig lora) {
        LoraAdapters ad = LoraAdapters.insert(model, lora);
        return of(model, ad, DependencyGraph.trace(model));
    }

    /** A model already traced with these adapters in place. */
    public static PruneTarget of(CausalLm model, LoraAdapters adapters, DependencyGraph graph) {
        return new PruneTarget(model, adapters, graph.structures());
    }

    public PruneTarget withStructures(StructureSet s) { return new PruneTarget(model, adapters, s); }
}
