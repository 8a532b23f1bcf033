package dev.shear.pipeline;

import dev.shear.data.DataPaths;
import dev.shear.data.SourceSpec;
import java.nio.file.Path;

/**
 * The TinyStories splits every command agrees on: non-empty lines [0, 2700) train and calibrate,
 * [2700, 3000) validate and tune, [3000, end) are held out from everything but the final evaluation.
 */
public final class DefaultData {
    public static final int TRAIN_END = 2700, VALIDATION_END = 3000;

    private DefaultData() {}

    public static Path tinyStories() { return DataPaths.data("tinystories/tinystories_valid_head.txt"); }

    public static SourceSpec tinyTrain() {
        return new SourceSpec("tinystories", tinyStories(), SourceSpec.Format.TEXT, "line", null, 0, TRAIN_END, 1);
    }

    public static SourceSpec tinyValidation() {
        return new SourceSpec("tinystories-val", tinyStories(), SourceSpec.Format.TEXT, "line", null, TRAIN_END, VALIDATION_END, 1);
    }

    /** A file given on the command line: its format from the suffix, all of it used. */
    public static SourceSpec file(Path p) {
        return new SourceSpec(p.getFileName().toString(), p, null, "line", null, 0, -1, 1);
    }
}
