package dev.shear.eval;

import dev.shear.data.DataPaths;
import dev.shear.engine.DType;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import dev.shear.testing.Golden;
import java.nio.file.Files;

/** The real pretrained stories260K and its tokenizer from the shared data folder. */
final class Stories260K {
    private Stories260K() {}

    static boolean available() {
        return DataPaths.sharedDataOrNull() != null && Files.isRegularFile(DataPaths.sharedDataOrNull().resolve("stories260K/stories260K.bin"));
    }

    static Tokenizer tokenizer() { return ModelFolder.loadTokenizer(Golden.storiesBin(), null); }

    static CausalLm model(DType dtype) { return Golden.stories(dtype); }
}
