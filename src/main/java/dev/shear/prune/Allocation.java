package dev.shear.prune;

/** How the parameter target is spread over the prunable node groups. */
public enum Allocation {
    /** The method's own choice ({@link PruningMethod#autoAllocation}) when KDA runs; uniform otherwise. */
    AUTO,
    /** One ratio for both clusters; the saliency's ranking decides which layers give it up. */
    UNIFORM,
    /** Per-group counts from the KDA curves: the groups whose removal cost least give up the most ({@link Budget#bySensitivity}). */
    KDA;

    /** AUTO made concrete for a method; the others stay as they are. */
    public Allocation resolve(PruningMethod method, boolean kdaConfigured) {
        if (this != AUTO) return this;
        return kdaConfigured ? method.autoAllocation() : UNIFORM;
    }
}
