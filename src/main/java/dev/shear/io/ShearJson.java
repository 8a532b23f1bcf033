package dev.shear.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * The JSON files Shear writes for itself and for people: reports, evaluation results, checkpoint
 * metadata. Keys are snake_case, as Hugging Face and lm-evaluation-harness write theirs; files are
 * written atomically. Reading a record type also accepts the camelCase keys of files written before,
 * renaming a record's component keys only, never the keys of a map (source and dataset names).
 */
public final class ShearJson {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final PropertyNamingStrategies.NamingBase SNAKE = (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    private ShearJson() {}

    /** Pretty JSON, written atomically. */
    public static void write(Path file, Object value) {
        try {
            AtomicFiles.writeString(file, MAPPER.writeValueAsString(value) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + file + ": " + e.getMessage(), e);
        }
    }

    public static String string(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file Shear wrote, as the type it wrote; older camelCase keys are read too. */
    public static <T> T read(Path file, Class<T> type) {
        try {
            return convert(MAPPER.readTree(InputFiles.readUtf8(file, "file")), MAPPER.constructType(type));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
    }

    /** Parsed JSON (a map, a list) as the given type; older camelCase keys are read too. */
    public static <T> T convert(Object json, JavaType type) {
        JsonNode tree = MAPPER.valueToTree(json);
        return MAPPER.convertValue(upgrade(tree, type), type);
    }

    /** Renames camelCase component keys of records to snake_case, guided by the type, in place. */
    static JsonNode upgrade(JsonNode node, JavaType type) {
        if (node == null) return null;
        Class<?> raw = type.getRawClass();
        if (node.isObject() && raw.isRecord()) {
            ObjectNode o = (ObjectNode) node;
            for (RecordComponent c : raw.getRecordComponents()) {
                String snake = SNAKE.translate(c.getName());
                if (!o.has(snake) && o.has(c.getName())) o.set(snake, o.remove(c.getName()));
                upgrade(o.get(snake), MAPPER.getTypeFactory().constructType(c.getGenericType()));
            }
        } else if (node.isObject() && Map.class.isAssignableFrom(raw)) {
            node.forEach(v -> upgrade(v, type.getContentType()));
        } else if (node.isArray() && (Collection.class.isAssignableFrom(raw) || raw.isArray())) {
            node.forEach(v -> upgrade(v, type.getContentType()));
        }
        return node;
    }
}
