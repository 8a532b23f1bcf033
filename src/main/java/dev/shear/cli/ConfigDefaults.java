package dev.shear.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.pipeline.PipelineConfig;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine;

/**
 * Default values of options marked {@link ConfigKey}, read from the bundled defaults that `./shear run`
 * starts from; options without the mark keep their own.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
    private final JsonNode defaults = PipelineConfig.defaultsTree();

    @Override public String defaultValue(ArgSpec arg) {
        if (!(arg.userObject() instanceof Field f) || f.getAnnotation(ConfigKey.class) == null) return null;
        return text(at(f.getAnnotation(ConfigKey.class).value()));
    }

    /** The default at a dotted path; a typo in a key fails loudly instead of leaving the option without a default. */
    JsonNode at(String path) {
        JsonNode n = defaults;
        for (String part : path.split("\\.")) {
            n = n.get(part);
            if (n == null) throw new IllegalStateException("no default for config key " + path);
        }
        return n;
    }

    private static String text(JsonNode n) {
        if (n.isNull()) return null;
        if (!n.isArray()) return n.asText();
        List<String> items = new ArrayList<>();
        n.forEach(x -> items.add(x.asText()));
        return items.isEmpty() ? "none" : String.join(",", items);
    }
}
