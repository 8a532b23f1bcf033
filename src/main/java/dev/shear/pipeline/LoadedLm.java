package dev.shear.pipeline;

import dev.shear.data.DataPaths;
import dev.shear.engine.DType;
import dev.shear.io.ModelFolder;
import dev.shear.io.ModelStream;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import java.nio.file.Path;

/** A model ready to run: weights on the engine, its tokenizer and where it came from. */
public record LoadedLm(CausalLm model, Tokenizer tokenizer, Path path, String sha256) implements AutoCloseable {
    /** How the model is built: the precision frozen base weights are held in, and activation checkpointing. */
    public record Options(DType baseDtype, boolean checkpointActivations) {
        public static final Options DEFAULT = new Options(DType.F32, false);

        /** Applies the model-level flags (activation checkpointing) to a freshly built model. */
        public CausalLm configure(CausalLm model) {
            model.setCheckpointActivations(checkpointActivations);
            return model;
        }
    }

    /** An fp32 model without checkpointing. */
    public static LoadedLm open(Path path, Path tokenizer) { return open(path, tokenizer, Options.DEFAULT); }

    /**
     * Hugging Face folders stream tensor by tensor into the engine (peak stays near the model's size);
     * other formats are read whole first.
     */
    public static LoadedLm open(Path path, Path tokenizer, Options options) {
        Path p = path == null ? DataPaths.stories260K() : path;
        DType base = options.baseDtype();
        CausalLm model;
        try (ModelStream s = ModelFolder.open(p)) { model = CausalLm.fromSource(s.config(), s.weights(), base); }
        try {
            options.configure(model);
            return new LoadedLm(model, ModelFolder.loadTokenizer(p, tokenizer), p, DataPaths.sha256(p));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override public void close() {
        model.close();
        try { tokenizer.close(); } catch (Exception ignored) { /* nothing to release */ }
    }
}
