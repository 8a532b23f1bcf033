package dev.shear.eval;

import dev.shear.data.DataPaths;
import dev.shear.io.InputFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Finds evaluation data in the shared data folder ({@link DataPaths}: SHEAR_DATA, else ../shared/data
 * from the working directory, ...). Text datasets are named (see {@link #text}) or given as a path.
 */
public final class Datasets {
    /** Named text sets: file under the data folder and how its rows are joined for stream protocols. */
    private static final Map<String, TextDataset.Format> NAMED = Map.of(
            "wikitext2", TextDataset.Format.WIKITEXT_ROWS,
            "ptb", TextDataset.Format.SENTENCE_ROWS,
            "ptb-valid", TextDataset.Format.SENTENCE_ROWS,
            "tinystories", TextDataset.Format.PLAIN);
    private static final Map<String, String> FILES = Map.of(
            "wikitext2", "wikitext2/wiki.test.raw",
            "ptb", "ptb/ptb.test.txt",
            "ptb-valid", "ptb/ptb.valid.txt",      // the split LLM-Pruner's code actually scores
            "tinystories", "tinystories/tinystories_valid_head.txt");

    private Datasets() {}

    public static Path dataRoot() { return DataPaths.sharedData(); }

    /** A named set (wikitext2, ptb, ptb-valid, tinystories) or a text file path, read as plain text. */
    public static TextDataset text(String nameOrPath) {
        String key = nameOrPath.toLowerCase(Locale.ROOT);
        if (NAMED.containsKey(key)) return new TextDataset(key, dataRoot().resolve(FILES.get(key)), NAMED.get(key));
        Path p = Path.of(nameOrPath);
        if (!Files.exists(p))
            throw new IllegalArgumentException("dataset " + nameOrPath + " is neither a known name " + new TreeSet<>(NAMED.keySet()) + " nor a file");
        InputFiles.requireRegular(p, "dataset");
        return new TextDataset(p.getFileName().toString(), p, TextDataset.Format.PLAIN);
    }

    /** The JSONL file of a zero-shot task under the data folder's zeroshot/. */
    public static Path zeroShotFile(ZeroShotTask task) { return dataRoot().resolve("zeroshot").resolve(task.fileName()); }
}
