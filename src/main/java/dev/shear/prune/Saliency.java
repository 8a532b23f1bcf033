package dev.shear.prune;

import dev.shear.graph.StructureRef;
import java.util.List;

/** Scores structures; lower means safer to remove. One criterion per class. */
public interface Saliency {
    double[] score(ScoringContext ctx, List<StructureRef> refs);

    /** How scores are compared across layers when selecting. */
    default Ranking ranking() { return Ranking.PER_LAYER; }

    /** How structures are compared across layers. */
    enum Ranking {
        /** lowest scores in the whole cluster */
        GLOBAL,
        /** the same fraction from every prunable layer, lowest scores within each */
        PER_LAYER,
        /** scores z-normalised within each layer, then lowest in the whole cluster (FLAP) */
        STANDARDIZED
    }
}
