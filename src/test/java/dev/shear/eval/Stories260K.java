package dev.shear.eval;

import dev.shear.engine.DType;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real pretrained stories260K and its tokenizer from the shared data folder. */
final class Stories260K {
    private Stories260K() {}

    static Path checkpoint() { return Datasets.dataRoot().resolve("stories260K/stories260K.bin"); }

    static boolean available() { return Files.isRegularFile(checkpoint()); }

    static Tokenizer tokenizer() { return ModelFolder.loadTokenizer(checkpoint(), null); }

    static CausalLm model(DType dtype) {
        LoadedModel m = ModelFolder.load(checkpoint());
        return CausalLm.fromWeights(m.config(), m.weights(), dtype);
    }
}
