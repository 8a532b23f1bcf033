package dev.shear.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.model.RopeScaling;
import java.util.List;

/**
 * config.json's {@code rope_scaling} (or the scaling part of {@code rope_parameters}) to a
 * {@link RopeScaling} and back: default, linear, dynamic, llama3 and longrope ("su"). Other types
 * (yarn, ntk, mrope, ...) are refused with one line naming the type.
 */
final class HfRopeScaling {
    static final List<String> SUPPORTED = List.of("default", "linear", "dynamic", "llama3", "longrope", "su");

    private HfRopeScaling() {}

    /**
     * @param config       the whole config (Phi-3 keeps original_max_position_embeddings at top level)
     * @param maxPositions max_position_embeddings
     */
    static RopeScaling read(ConfigFields scaling, ConfigFields config, int maxPositions) {
        String type = scaling.text("rope_type", scaling.text("type", "default"));
        return switch (type) {
            case "default" -> RopeScaling.NONE;
            case "linear" -> new RopeScaling.Linear(factor(scaling));
            case "dynamic" -> new RopeScaling.Dynamic(factor(scaling), maxPositions);
            case "llama3" -> new RopeScaling.Llama3(factor(scaling), required(scaling, "low_freq_factor"), required(scaling, "high_freq_factor"),
                    scaling.positive("original_max_position_embeddings"));
            case "longrope", "su" -> longRope(scaling, config, maxPositions);
            default -> throw scaling.unsupported("rope_scaling type " + type, "one of " + SUPPORTED);
        };
    }

    private static double factor(ConfigFields s) { return required(s, "factor"); }

    private static double required(ConfigFields s, String key) {
        double v = s.decimal(key, Double.NaN);
        if (!(v > 0)) throw ShearFormatException.of(s.file(), key + " is " + s.root().get(key), "a positive number");
        return v;
    }

    private static RopeScaling longRope(ConfigFields s, ConfigFields config, int maxPositions) {
        int original = config.has("original_max_position_embeddings") ? config.positive("original_max_position_embeddings")
                : s.has("original_max_position_embeddings") ? s.positive("original_max_position_embeddings") : -1;
        if (original < 0) throw ShearFormatException.of(s.file(), "longrope without original_max_position_embeddings", "the pretraining context");
        double attention = s.has("attention_factor") ? required(s, "attention_factor") : RopeScaling.LongRope.defaultAttentionFactor(maxPositions, original);
        return new RopeScaling.LongRope(s.numbers("short_factor"), s.numbers("long_factor"), original, attention);
    }

    /**
     * The rope_scaling object, or null for no scaling. Phi-3's own config class wants the old
     * {@code type} key; the others take {@code rope_type}.
     *
     * @param legacyKey write "type" instead of "rope_type"
     */
    static ObjectNode write(RopeScaling s, int maxPositions, boolean legacyKey) {
        if (s instanceof RopeScaling.None) return null;
        ObjectNode o = JsonFiles.MAPPER.createObjectNode();
        o.put(legacyKey ? "type" : "rope_type", s.type());
        if (s instanceof RopeScaling.Linear l) o.put("factor", l.factor());
        else if (s instanceof RopeScaling.Dynamic d) o.put("factor", d.factor());
        else if (s instanceof RopeScaling.Llama3 l) {
            o.put("factor", l.factor());
            o.put("low_freq_factor", l.lowFreqFactor());
            o.put("high_freq_factor", l.highFreqFactor());
            o.put("original_max_position_embeddings", l.originalMax());
        } else if (s instanceof RopeScaling.LongRope l) {
            l.shortFactor().forEach(o.putArray("short_factor")::add);
            l.longFactor().forEach(o.putArray("long_factor")::add);
            if (l.attentionFactor() != RopeScaling.LongRope.defaultAttentionFactor(maxPositions, l.originalMax()))
                o.put("attention_factor", l.attentionFactor());
        }
        return o;
    }
}
