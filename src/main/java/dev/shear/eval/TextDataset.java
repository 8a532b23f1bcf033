package dev.shear.eval;

import dev.shear.io.InputFiles;
import dev.shear.io.ShearFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A text file to score, and how its rows become one stream for the stream protocols. */
public record TextDataset(String name, Path path, Format format) {

    /** How the stream protocols rebuild the text that LLM-Pruner tokenizes ("\n\n".join(rows)). */
    public enum Format {
        /**
         * WikiText-2 raw as Hugging Face rows: each line keeps its "\n", blank rows are "". The copy
         * here dropped the 1,468 blank rows; their places are read from wiki.test.tokens beside it
         * (same line order) when that file is present, so the join matches the HF split exactly.
         */
        WIKITEXT_ROWS,
        /** PTB as HF ptb_text_only rows: one stripped sentence per line, joined with "\n\n". */
        SENTENCE_ROWS,
        /** The file as it is (CRLF normalised to LF). */
        PLAIN
    }

    public String read() { return InputFiles.readUtf8(path, "dataset " + name); }

    /** Lines split on LF with leading and trailing CR/LF removed (other whitespace kept); empty ones dropped. */
    public List<String> nonEmptyLines() { return nonEmptyLines(read()); }

    public static List<String> nonEmptyLines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String s = stripCr(line);
            if (!s.isEmpty()) out.add(s);
        }
        return out;
    }

    private static String stripCr(String s) {
        int a = 0, b = s.length();
        while (a < b && s.charAt(a) == '\r') a++;
        while (b > a && s.charAt(b - 1) == '\r') b--;
        return s.substring(a, b);
    }

    /** The single text the stream protocols tokenize. */
    public String streamText() {
        String text = read().replace("\r\n", "\n");
        return switch (format) {
            case PLAIN -> text;
            case SENTENCE_ROWS -> String.join("\n\n", sentenceRows(text));
            case WIKITEXT_ROWS -> String.join("\n\n", wikitextRows(text, blankRowMap()));
        };
    }

    static List<String> sentenceRows(String text) {
        List<String> rows = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int n = text.endsWith("\n") ? lines.length - 1 : lines.length;
        for (int i = 0; i < n; i++) rows.add(lines[i].strip());
        return rows;
    }

    /**
     * Raw lines as HF rows (line + "\n"), with "" inserted where the layout has a blank row.
     *
     * @param layout true per HF row that is blank, or null to insert none
     */
    static List<String> wikitextRows(String text, boolean[] layout) {
        List<String> content = new ArrayList<>();
        for (String line : text.split("\n", -1)) if (!line.isBlank()) content.add(line + "\n");
        if (layout == null) return content;
        List<String> rows = new ArrayList<>(layout.length);
        int next = 0;
        for (boolean blank : layout) rows.add(blank ? "" : content.get(next++));
        return rows;
    }

    /** Blank-row positions from wiki.test.tokens, or null if it is missing or does not line up. */
    private boolean[] blankRowMap() {
        Path tokens = path.resolveSibling(path.getFileName().toString().replace(".raw", ".tokens"));
        if (tokens.equals(path) || !Files.isRegularFile(tokens)) return null;
        try {
            String t = InputFiles.readUtf8(tokens, "dataset layout");
            String[] lines = t.split("\n", -1);
            int n = t.endsWith("\n") ? lines.length - 1 : lines.length;
            boolean[] blank = new boolean[n];
            int contentRows = 0;
            for (int i = 0; i < n; i++) {
                blank[i] = lines[i].isBlank();
                if (!blank[i]) contentRows++;
            }
            long rawRows = read().replace("\r\n", "\n").lines().filter(l -> !l.isBlank()).count();
            return contentRows == rawRows ? blank : null;
        } catch (ShearFormatException e) {
            return null;
        }
    }
}
