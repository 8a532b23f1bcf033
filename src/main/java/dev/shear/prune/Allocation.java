package dev.shear.prune;

import java.util.Locale;

/** How the parameter target is spread over the prunable node groups. */
public enum Allocation {
    /** One ratio for both clusters; the saliency's ranking decides which layers give it up. */
    UNIFORM,
    /** Per-group counts from the KDA curves: the groups whose removal cost least give up the most ({@link Budget#bySensitivity}). */
    KDA;

    public String cliName() { return name().toLowerCase(Locale.ROOT); }

    public static Allocation parse(String s) {
        Allocation a = named(s);
        if (a == null) throw new IllegalArgumentException("allocation '" + s + "': expected uniform or kda");
        return a;
    }

    /**
     * "auto": KDA for the default LoRAShear variant, the best measured (docs/results.md), when KDA
     * runs; uniform otherwise, so the peers, paper and reference keep their own.
     */
    public static Allocation parse(String s, Method m, boolean kdaRuns) {
        if (s.equalsIgnoreCase("auto")) return m == Method.LORASHEAR_DEFAULT && kdaRuns ? KDA : UNIFORM;
        Allocation a = named(s);
        if (a == null) throw new IllegalArgumentException("allocation '" + s + "': expected auto, uniform or kda");
        return a;
    }

    private static Allocation named(String s) {
        for (Allocation a : values()) if (a.name().equalsIgnoreCase(s)) return a;
        return null;
    }
}
