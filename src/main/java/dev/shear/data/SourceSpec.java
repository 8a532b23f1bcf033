package dev.shear.data;

import java.nio.file.Path;

/**
 * One data source of a recovery mixture.
 *
 * @param unit      for text files: "line" (each non-empty line is a paragraph) or "block" (blank-line separated)
 * @param field     for JSONL: the text field
 * @param firstLine first non-empty line used (inclusive); lets a held-out tail stay out of training
 * @param lastLine  last non-empty line used (exclusive); -1 for the end
 * @param valParagraphs paragraphs held back for the source's own validation split
 */
public record SourceSpec(String name, Path path, Format format, String unit, String field,
                         int firstLine, int lastLine, int valParagraphs) {
    public enum Format { TEXT, JSONL, ALPACA }

    public SourceSpec {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("source: name is required");
        if (path == null) throw new IllegalArgumentException("source " + name + ": path is required");
        if (format == null) format = guess(path);
        if (unit == null) unit = "line";
        if (!unit.equals("line") && !unit.equals("block")) throw new IllegalArgumentException("source " + name + ": unit '" + unit + "' must be line or block");
        if (field == null) field = "text";
        if (firstLine < 0 || (lastLine >= 0 && lastLine <= firstLine))
            throw new IllegalArgumentException("source " + name + ": line range [" + firstLine + ", " + lastLine + ") is empty");
        if (valParagraphs < 1) throw new IllegalArgumentException("source " + name + ": valParagraphs " + valParagraphs + " must be at least 1");
    }

    static Format guess(Path p) {
        String f = p.getFileName().toString().toLowerCase();
        if (f.endsWith(".jsonl")) return Format.JSONL;
        if (f.endsWith(".json")) return Format.ALPACA;
        return Format.TEXT;
    }
}
