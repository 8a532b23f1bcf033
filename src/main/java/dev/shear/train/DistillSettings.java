package dev.shear.train;

import java.util.Locale;

/**
 * Knowledge distillation from the original (dense, frozen) model: the loss is
 * alpha · T² · KL(teacher_T ‖ student_T) + (1 − alpha) · cross-entropy.
 *
 * @param alpha       weight of the distillation term, in [0, 1]; 0 is plain language-modelling training
 * @param temperature T &gt; 0, applied to both distributions
 * @param topK        teacher tokens kept per position (at least 1), as a precomputed teacher cache stores them;
 *                    null for the teacher's whole distribution
 */
public record DistillSettings(double alpha, double temperature, Integer topK) implements java.io.Serializable {
    /** No distillation: the language-modelling loss alone. */
    public static final DistillSettings OFF = new DistillSettings(0, 1, null);

    public DistillSettings {
        if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("distill: alpha " + alpha + " must be in [0, 1]");
        if (!(temperature > 0) || Double.isInfinite(temperature))
            throw new IllegalArgumentException("distill: temperature " + temperature + " must be a finite number > 0");
        if (topK != null && topK < 1) throw new IllegalArgumentException("distill: top_k " + topK + " must be at least 1");
    }

    /**
     * Settings with the keys left out taking the command line's defaults (alpha 0.5, T 1, the whole
     * distribution): what a `distill:` mapping in a config file or recovery spec means, as `--distill t=2` does.
     */
    public static DistillSettings withDefaults(Double alpha, Double temperature, Integer topK) {
        return new DistillSettings(alpha == null ? 0.5 : alpha, temperature == null ? 1.0 : temperature, topK);
    }

    /** True when the teacher takes part in the loss. */
    public boolean enabled() { return alpha > 0; }

    /** The k a teacher keeps for a vocabulary of this size (the whole vocabulary when unset). */
    public int k(int vocab) { return topK == null ? vocab : Math.min(topK, vocab); }

    /**
     * "alpha=0.5,t=2,k=64" on the command line (any order, any subset: alpha 0.5, T 1 and the whole
     * distribution unless given; k=all for the whole distribution), or "off".
     */
    public static DistillSettings parse(String spec) {
        if (spec == null || spec.isBlank() || spec.equals("off")) return OFF;
        Double alpha = null, t = null;
        Integer k = null;
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) throw new IllegalArgumentException("distill: '" + part + "' is not key=value (keys alpha, t, k)");
            String key = kv[0].trim().toLowerCase(Locale.ROOT), value = kv[1].trim();
            try {
                switch (key) {
                    case "alpha" -> alpha = Double.parseDouble(value);
                    case "t", "temperature" -> t = Double.parseDouble(value);
                    case "k", "top_k" -> k = value.equals("all") ? null : Integer.valueOf(value);
                    default -> throw new IllegalArgumentException("distill: unknown setting '" + kv[0].trim() + "' (known: alpha, t, k)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("distill: " + key + " '" + value + "' is not a number");
            }
        }
        return withDefaults(alpha, t, k);
    }

    @Override public String toString() {
        return enabled() ? "alpha=" + alpha + ",t=" + temperature + ",k=" + (topK == null ? "all" : topK) : "off";
    }
}
