package dev.shear.prune;

/** How the parameter target is spread over the prunable node groups. */
public enum Allocation {
    /** One ratio for both clusters; the saliency's ranking decides which layers give it up. */
    UNIFORM("uniform"),
    /** Per-group counts from the KDA curves: the groups whose removal cost least give up the most ({@link Budget#bySensitivity}). */
    KDA("kda");

    private final String cliName;

    Allocation(String cliName) { this.cliName = cliName; }

    public String cliName() { return cliName; }

    public static Allocation parse(String s) {
        for (Allocation a : values()) if (a.cliName.equalsIgnoreCase(s)) return a;
        throw new IllegalArgumentException("allocation '" + s + "': expected uniform or kda");
    }

    /**
     * "auto": KDA for the default LoRAShear variant, the best measured (docs/results.md), when KDA
     * runs; uniform otherwise, so the peers, paper and reference keep their own.
     */
    public static Allocation parse(String s, Method m, boolean kdaRuns) {
        if (s.equalsIgnoreCase("auto")) return m == Method.LORASHEAR_DEFAULT && kdaRuns ? KDA : UNIFORM;
        for (Allocation a : values()) if (a.cliName.equalsIgnoreCase(s)) return a;
        throw new IllegalArgumentException("allocation '" + s + "': expected auto, uniform or kda");
    }
}
