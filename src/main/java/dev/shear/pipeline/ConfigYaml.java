package dev.shear.pipeline;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.shear.eval.ZeroShotTask;
import dev.shear.io.InputFiles;
import dev.shear.lora.LoraConfig;
import dev.shear.model.WidthAlignment;
import dev.shear.prune.Allocation;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneSettings;
import dev.shear.train.DistillSettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * YAML config files bound onto the settings records: snake_case keys, enums by their lower-case names
 * (methods by their CLI names), unknown keys refused by name, and every binding error reported as
 * one line with the key's path. The run's seed is the top-level one: nested seeds come from it, never from the file.
 */
public final class ConfigYaml {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .registerModule(enums())
            .addMixIn(PruneSettings.class, NoSeed.class)
            .addMixIn(LoraConfig.class, NoSeed.class)
            .addMixIn(DistillSettings.class, DistillDefaults.class);

    /** Nested seeds are the top-level one, set by {@link #withSeeds}: read, never written. */
    @JsonIgnoreProperties(value = {"seed"}, allowSetters = true)
    private abstract static class NoSeed {}

    /** A `distill:` mapping binds through {@link DistillSettings#withDefaults}: keys left out take the command line's defaults. */
    private abstract static class DistillDefaults {
        @JsonCreator static DistillSettings withDefaults(@JsonProperty("alpha") Double alpha, @JsonProperty("temperature") Double temperature,
                                                         @JsonProperty("top_k") Integer topK) { return null; }
    }

    private static final long MAX_FILE = 16L << 20;

    private ConfigYaml() {}

    private static SimpleModule enums() {
        SimpleModule m = new SimpleModule("shear-enums");
        enumCodec(m, Method.class, Method::cliName, Method::parse);
        for (Class<? extends Enum<?>> e : List.of(Allocation.class, LhspgSchedule.LrShape.class, WidthAlignment.Rounding.class,
                PruneJob.DataKind.class, ZeroShotTask.class)) lowerCase(m, e);
        return m;
    }

    private static <E extends Enum<E>> void lowerCase(SimpleModule m, Class<? extends Enum<?>> type) {
        @SuppressWarnings("unchecked") Class<E> t = (Class<E>) type;
        enumCodec(m, t, ConfigYaml::name, s -> parse(t, s));
    }

    private static <E> void enumCodec(SimpleModule m, Class<E> type, Function<E, String> name, Function<String, E> parse) {
        m.addSerializer(type, new JsonSerializer<E>() {
            @Override public void serialize(E v, JsonGenerator g, SerializerProvider p) throws IOException { g.writeString(name.apply(v)); }
        });
        m.addDeserializer(type, new JsonDeserializer<E>() {
            @Override public E deserialize(JsonParser p, DeserializationContext c) throws IOException {
                try {
                    return parse.apply(p.getValueAsString());
                } catch (IllegalArgumentException e) {
                    throw JsonMappingException.from(p, e.getMessage());
                }
            }
        });
    }

    /** An enum constant's name in config files and on the command line: the constant in lower case. */
    public static String name(Enum<?> e) { return e.name().toLowerCase(Locale.ROOT); }

    /** A constant by its lower-case name; the error lists the choices: "'books': expected dynamic, mixture or tinystories". */
    public static <E extends Enum<E>> E parse(Class<E> type, String s) {
        for (E e : type.getEnumConstants()) if (name(e).equals(s)) return e;
        List<String> names = Arrays.stream(type.getEnumConstants()).map(ConfigYaml::name).toList();
        String choices = names.size() == 1 ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        throw new IllegalArgumentException("'" + s + "': expected " + choices);
    }

    /** The tree of a YAML file (a regular file of at most 16 MiB); null for an empty document. */
    static JsonNode read(Path file) {
        return read(new ByteArrayInputStream(InputFiles.readAll(file, MAX_FILE, "config file")), file.toString());
    }

    /** The tree of a YAML stream; null for an empty document. */
    static JsonNode read(InputStream in, String file) {
        try {
            return YAML.readTree(in);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": " + problem(e));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** Binds a tree, naming the key of any bad value: "file: prune.data 'books': expected ...". */
    static <T> T bind(JsonNode tree, Class<T> type, String file) {
        try {
            return YAML.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(file + ": unknown key '" + path(e).strip() + "' (known: " + e.getKnownPropertyIds() + ")");
        } catch (ValueInstantiationException e) {
            // a record refused a value: its message starts with the key ("batch 0 must be ..."), which joins the path
            String p = path(e).strip(), m = rootMessage(e);
            boolean keyed = m.matches("[a-z_]+ .*") && !p.isEmpty();
            throw new IllegalArgumentException(file + ": " + (keyed ? p + "." + m : (p.isEmpty() ? "" : p + " ") + m));
        } catch (MismatchedInputException e) {
            // Jackson's "Cannot map `null` into type `int` (set DeserializationConfig...)" in Shear's words
            String key = path(e).strip(), expected = typeWord(e.getTargetType());
            if (e.getMessage().startsWith("Cannot map `null`")) throw new IllegalArgumentException(file + ": " + key + " is missing or null, expected " + expected);
            Object value = e instanceof InvalidFormatException f ? f.getValue() : null;
            throw new IllegalArgumentException(file + ": " + key + (value == null ? ": " : " '" + value + "': ") + "expected " + expected);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(file + ": " + path(e) + rootMessage(e));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": " + problem(e));
        }
    }

    static String write(Object value) {
        try {
            return YAML.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Refuses keys the defaults do not have, by their dotted path. Binding alone cannot: keys of the
     * unwrapped pruning settings would be skipped silently.
     */
    static void requireKnownKeys(JsonNode user, JsonNode defaults, String at, String file) { requireKnownKeys(user, defaults, at, file, Set.of()); }

    /**
     * As above, and refuses a null where the default is a value ("prune: null", "ratio: ~"), and a
     * scalar where the default is a mapping, unless the key is one whose null means something
     * ({@code nullable}, dotted paths).
     */
    static void requireKnownKeys(JsonNode user, JsonNode defaults, String at, String file, Set<String> nullable) {
        for (Iterator<Map.Entry<String, JsonNode>> it = user.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode d = defaults.get(e.getKey());
            String key = at.isEmpty() ? e.getKey() : at + "." + e.getKey();
            if (d == null) {
                List<String> known = new ArrayList<>();
                defaults.fieldNames().forEachRemaining(known::add);
                throw new IllegalArgumentException(file + ": unknown key '" + key + "' (known" + (at.isEmpty() ? "" : " in " + at) + ": " + known + ")");
            }
            JsonNode v = e.getValue();
            if (v.isNull() && !d.isNull() && !nullable.contains(key))
                throw new IllegalArgumentException(file + ": " + key + " is null, expected " + kind(d) + " (leave the key out for the default"
                        + (d.isContainerNode() ? "s" : " " + d.asText()) + ")");
            if (d.isObject() && !v.isObject() && !v.isNull())
                throw new IllegalArgumentException(file + ": " + key + " is " + v + ", expected a mapping of " + fieldNames(d));
            if (d.isObject() && v.isObject()) requireKnownKeys(v, d, key, file, nullable);
        }
    }

    private static String kind(JsonNode d) {
        if (d.isObject()) return "a mapping";
        if (d.isArray()) return "a list";
        if (d.isBoolean()) return "true or false";
        return d.isNumber() ? "a number" : "a string";
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** User values override defaults key by key; nested mappings merge, lists and scalars replace. */
    static void merge(ObjectNode base, JsonNode user) {
        user.fields().forEachRemaining(e -> {
            JsonNode b = base.get(e.getKey());
            if (b != null && b.isObject() && e.getValue().isObject()) merge((ObjectNode) b, e.getValue());
            else base.set(e.getKey(), e.getValue());
        });
    }

    private static String path(JsonMappingException e) {
        String p = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        return p.isEmpty() ? "" : p + " ";
    }

    /** What a config value of this Java type looks like, for messages. */
    private static String typeWord(Class<?> t) {
        if (t == null) return "a value";
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) return "an integer";
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) return "a number";
        if (t == boolean.class || t == Boolean.class) return "true or false";
        if (t == String.class) return "a string";
        if (java.util.Collection.class.isAssignableFrom(t)) return "a list";
        return t.isEnum() ? "one of its names" : "a mapping";
    }

    private static String rootMessage(JsonMappingException e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t instanceof JsonMappingException j ? j.getOriginalMessage() : t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }

    /** A parser error on one line: where, and the parser's own lines without the quoted source and caret. */
    static String problem(JsonProcessingException e) {
        String what = e.getOriginalMessage().lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .collect(Collectors.joining("; "));
        var at = e.getLocation();
        return (at == null || at.getLineNr() < 1 ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ")
                + (what.isEmpty() ? "invalid YAML" : what);
    }
}
