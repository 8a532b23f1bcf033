package dev.shear.plan;

import java.util.List;

/** A pipeline stage as {@code shear plan --stage} names it, and the phases whose peaks bound its memory. */
public enum Stage {
    PRUNE(List.of(Phase.KDA, Phase.LHSPG)),
    RECOVER(List.of(Phase.RECOVERY)),
    EVAL(List.of(Phase.EVALUATION));

    private final List<Phase> phases;

    Stage(List<Phase> phases) { this.phases = phases; }

    public List<Phase> phases() { return phases; }

    public static Stage parse(String s) {
        for (Stage st : values()) if (st.name().equalsIgnoreCase(s)) return st;
        throw new IllegalArgumentException("--stage " + s + ": expected prune, recover or eval");
    }
}
