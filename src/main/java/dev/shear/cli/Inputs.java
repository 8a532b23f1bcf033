package dev.shear.cli;

import dev.shear.data.DataPaths;
import dev.shear.io.OutputPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The inputs of a command that reads a model (and maybe a tokenizer or a dataset file), for its output checks. */
final class Inputs {
    private Inputs() {}

    /** @param model null: stories260K, the default model */
    static List<OutputPaths.Input> of(Path model, Path tokenizer, Path... data) {
        List<OutputPaths.Input> in = new ArrayList<>();
        in.add(new OutputPaths.Input("model", model == null ? DataPaths.stories260K() : model));
        if (tokenizer != null) in.add(new OutputPaths.Input("tokenizer", tokenizer));
        for (Path d : data) if (d != null) in.add(new OutputPaths.Input("dataset", d));
        return in;
    }
}
