package dev.shear.eval;

import java.util.Locale;

/** The seven commonsense tasks of LLM-Pruner / LoRAShear, in their table order. */
public enum ZeroShotTask {
    BOOLQ("boolq", Metric.ACC),
    PIQA("piqa", Metric.ACC_NORM),
    HELLASWAG("hellaswag", Metric.ACC_NORM),
    WINOGRANDE("winogrande", Metric.ACC),
    ARC_EASY("arc_easy", Metric.ACC_NORM),
    ARC_CHALLENGE("arc_challenge", Metric.ACC_NORM),
    OPENBOOKQA("openbookqa", Metric.ACC_NORM);

    /** Which accuracy LLM-Pruner's tables (and so the mean) take for a task. */
    public enum Metric {
        ACC("acc"), ACC_NORM("acc_norm");

        private final String id;

        Metric(String id) { this.id = id; }

        public String id() { return id; }
    }

    private final String id;
    private final Metric llmPrunerMetric;

    ZeroShotTask(String id, Metric metric) {
        this.id = id;
        this.llmPrunerMetric = metric;
    }

    public String id() { return id; }

    public String fileName() { return id + ".jsonl"; }

    public Metric llmPrunerMetric() { return llmPrunerMetric; }

    /** WinoGrande stores context options and one shared continuation (partial scoring). */
    public boolean partialScoring() { return this == WINOGRANDE; }

    public static ZeroShotTask parse(String s) {
        String k = s.toLowerCase(Locale.ROOT).replace('-', '_');
        for (ZeroShotTask t : values()) if (t.id.equals(k) || t.name().equalsIgnoreCase(k)) return t;
        if (k.equals("arc_e")) return ARC_EASY;
        if (k.equals("arc_c")) return ARC_CHALLENGE;
        if (k.equals("obqa")) return OPENBOOKQA;
        throw new IllegalArgumentException("zero-shot task " + s + " is unknown, expected one of boolq, piqa, hellaswag, winogrande, arc_easy, arc_challenge, openbookqa");
    }

    @Override public String toString() { return id; }
}
