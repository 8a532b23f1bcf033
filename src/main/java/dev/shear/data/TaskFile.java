package dev.shear.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.io.InputFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads and validates a zero-shot JSONL file; a bad line fails with "file:line: what is wrong". */
public final class TaskFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TaskFile() {}

    /**
     * The first limit items (all if limit <= 0); blank lines are skipped.
     *
     * @param partial WinoGrande's layout (context options and one continuation) instead of query and choices
     */
    public static List<StoredItem> read(Path file, boolean partial, int limit) {
        List<StoredItem> items = new ArrayList<>();
        String[] lines = InputFiles.readUtf8(file, "task file").split("\n", -1);
        for (int i = 0; i < lines.length && (limit <= 0 || items.size() < limit); i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) continue;
            String where = file.getFileName() + ":" + (i + 1);
            items.add(partial ? partial(parse(line, where), where) : question(parse(line, where), where));
        }
        if (items.isEmpty()) throw new IllegalArgumentException(file + ": no items");
        return items;
    }

    static JsonNode parse(String line, String where) {
        try {
            JsonNode n = JSON.readTree(line);
            if (n == null || !n.isObject()) throw new IllegalArgumentException(where + ": expected a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    static StoredItem.Question question(JsonNode n, String where) {
        List<String> choices = strings(n, "choices", where);
        return new StoredItem.Question(string(n, "query", where), choices, gold(n, choices.size(), where));
    }

    static StoredItem.Partial partial(JsonNode n, String where) {
        List<String> options = strings(n, "context_options", where);
        String continuation = string(n, "continuation", where);
        if (continuation.isBlank()) throw new IllegalArgumentException(where + ": continuation is empty");
        return new StoredItem.Partial(options, continuation, gold(n, options.size(), where));
    }

    private static String string(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException(where + ": field \"" + field + "\" must be a string");
        return v.asText();
    }

    private static List<String> strings(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray() || v.size() < 2)
            throw new IllegalArgumentException(where + ": field \"" + field + "\" must be an array of at least 2 strings");
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual() || e.asText().isEmpty())
                throw new IllegalArgumentException(where + ": \"" + field + "\" entry " + out.size() + " must be a non-empty string");
            out.add(e.asText());
        }
        return out;
    }

    private static int gold(JsonNode n, int options, String where) {
        JsonNode v = n.get("gold");
        if (v == null || !v.isIntegralNumber()) throw new IllegalArgumentException(where + ": field \"gold\" must be an integer");
        int g = v.asInt();
        if (g < 0 || g >= options) throw new IllegalArgumentException(where + ": gold " + g + " is outside 0.." + (options - 1));
        return g;
    }
}
