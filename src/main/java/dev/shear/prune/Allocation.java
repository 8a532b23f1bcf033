package dev.shear.prune;

/** How the parameter target is spread over the prunable node groups. */
public enum Allocation {
    /** The method's own choice ({@link PruningMethod#autoAllocation}). */
    AUTO,
    /** One ratio for both clusters; the saliency's ranking decides which layers give it up. */
    UNIFORM,
    /** Per-group counts from the KDA curves: the groups whose removal cost least give up the most ({@link Budget#bySensitivity}). */
    KDA,
    /**
     * FLAP's adaptive structure search: the structures of both clusters ranked together by their
     * per-layer standardised scores, each weighing its parameters, lowest removed until the target
     * is met; a layer may lose all its heads or channels ({@link Budget#joint}).
     */
    JOINT;

    /** AUTO made concrete for a method; the others stay as they are. */
    public Allocation resolve(PruningMethod method, boolean kdaConfigured) {
        return this == AUTO ? method.autoAllocation(kdaConfigured) : this;
    }
}
