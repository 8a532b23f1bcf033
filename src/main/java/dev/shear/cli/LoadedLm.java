package dev.shear.cli;

import dev.shear.engine.DType;
import dev.shear.io.DataPaths;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import java.nio.file.Path;

/** A model ready to run: weights on the engine, its tokenizer and where it came from. */
record LoadedLm(CausalLm model, Tokenizer tokenizer, Path path, String sha256) implements AutoCloseable {
    static LoadedLm open(Path path, Path tokenizer) {
        Path p = path == null ? DataPaths.stories260K() : path;
        LoadedModel lm = ModelFolder.load(p);
        Tokenizer tok = ModelFolder.loadTokenizer(p, tokenizer);
        return new LoadedLm(CausalLm.fromWeights(lm.config(), lm.weights(), DType.F32), tok, p, DataPaths.sha256(p));
    }

    @Override public void close() {
        model.close();
        try { tokenizer.close(); } catch (Exception ignored) { /* nothing to release */ }
    }
}
