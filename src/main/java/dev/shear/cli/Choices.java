package dev.shear.cli;

import dev.shear.pipeline.ConfigYaml;

/** Enum-valued options by the names config files use; the error names the option: "--lr-shape 'x': expected constant or cosine". */
final class Choices {
    private Choices() {}

    /**
     * Any option value through its parser; an error that does not start with the option gets it in
     * front: "--protocol foo: perplexity protocol foo is unknown, expected ...".
     */
    static <T> T option(String option, String value, java.util.function.Function<String, T> parse) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            String m = e instanceof NumberFormatException ? "not a number" : e.getMessage();
            throw new IllegalArgumentException(m.startsWith(option) ? m : option + " " + value + ": " + m);
        }
    }

    static <E extends Enum<E>> E parse(String option, Class<E> type, String value) {
        try {
            return ConfigYaml.parse(type, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + e.getMessage());
        }
    }

    /** A distillation spec; the error names the option. */
    static dev.shear.train.DistillSettings distill(String option, String value) {
        try {
            return dev.shear.train.DistillSettings.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + e.getMessage());
        }
    }
}
