package dev.shear.prune;

/**
 * One pruning method: its criterion, what "auto" allocation means for it, and whether it removes
 * structures at once or while LoRA trains. Every method works on the same traced structures and hands
 * its {@link Decision} to the same compactor; a new method is one class and one line in {@link Method}.
 */
public interface PruningMethod {
    /** Its name on the command line and in reports. */
    String name();

    /** Its criterion; the lowest-scored structures go first. */
    Saliency saliency(long seed);

    /** True for the methods that prune while LoRA trains (LHSPG); false for one-shot ones. */
    boolean progressive();

    /** What allocation "auto" becomes for this method: its authors' own rule (uniform unless it says otherwise). */
    default Allocation autoAllocation(boolean kdaConfigured) { return Allocation.UNIFORM; }

    /** Layers the method leaves whole as its authors run it, for a model of this depth; none by default. */
    default java.util.Set<Integer> protectedLayers(int numLayers) { return java.util.Set.of(); }

    /**
     * The knowledge distribution analysis as this method prices removal: by default each group's
     * lowest-magnitude structures masked (LoRAShear's Algorithm 3), on the cluster when the context offloads.
     * Runs on the base model, adapters bypassed.
     */
    default KnowledgeDistribution.Result analyse(PruneTarget target, KdaSettings kda, PruneRun.Context context, PruneSettings settings,
                                                 dev.shear.engine.Progress progress) {
        if (context.offload() != null) return context.offload().kda(target.structures(), settings);
        return KnowledgeDistribution.analyse(target.model(), target.structures(), kda.ratios(), kda.gammaU(), context.probe(), progress);
    }

    /**
     * Chooses and zeroes the structures to remove within the plan. When it returns, the target's
     * adapters are merged or discarded, so the target's model is the one to compact.
     */
    Decision prune(PruneTarget target, Budget.Plan plan, PruneSettings settings, PruneRun.Context context);
}
