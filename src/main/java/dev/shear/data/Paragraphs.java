package dev.shear.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.io.InputFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a source's paragraphs: plain text by line or block, or a JSONL text field. */
public final class Paragraphs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Paragraphs() {}

    public static List<String> read(SourceSpec s) {
        String text = readUtf8(s.path());
        List<String> all = switch (s.format()) {
            case TEXT -> s.unit().equals("block") ? blocks(text) : lines(text);
            case JSONL -> jsonl(s.path(), text, s.field());
            case ALPACA -> throw new IllegalArgumentException(s.path() + ": Alpaca JSON is an instruction source, not a pretraining one");
        };
        int end = s.lastLine() < 0 ? all.size() : Math.min(all.size(), s.lastLine());
        if (s.firstLine() >= end) throw new IllegalArgumentException(s.path() + ": no paragraphs in range [" + s.firstLine() + ", " + s.lastLine() + ")");
        return all.subList(s.firstLine(), end);
    }

    /** Strict UTF-8: a corrupt file fails with its name instead of silently turning into U+FFFD. */
    public static String readUtf8(Path p) {
        String s = InputFiles.readUtf8(p, "dataset");
        if (s.isBlank()) throw new IllegalArgumentException(p + ": dataset is empty");
        return s;
    }

    static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (!l.isEmpty()) out.add(l);
        }
        return out;
    }

    static List<String> blocks(String text) {
        List<String> out = new ArrayList<>();
        for (String block : text.replace("\r\n", "\n").split("\n\\s*\n")) {
            String joined = block.strip().replaceAll("\\s*\n\\s*", " ");
            if (!joined.isEmpty()) out.add(joined);
        }
        return out;
    }

    static List<String> jsonl(Path p, String text, String field) {
        List<String> out = new ArrayList<>();
        String[] rows = text.split("\n");
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(rows[i]);
            } catch (IOException e) {
                throw new IllegalArgumentException(p + ": line " + (i + 1) + " is not valid JSON");
            }
            JsonNode f = n.get(field);
            if (f == null || !f.isTextual()) throw new IllegalArgumentException(p + ": line " + (i + 1) + " has no text field '" + field + "'");
            out.add(f.asText());
        }
        return out;
    }
}
