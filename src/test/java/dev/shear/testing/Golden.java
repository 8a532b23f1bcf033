package dev.shear.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.data.DataPaths;
import dev.shear.engine.DType;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.model.CausalLm;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** Golden files from the independent numpy reference (reference/), and the shared real data. */
public final class Golden {
    private Golden() {}

    public static JsonNode json(String name) {
        try (InputStream in = Golden.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) throw new IllegalStateException("golden file " + name + " missing from src/test/resources/golden");
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path storiesBin() { return DataPaths.data("stories260K/stories260K.bin"); }

    public static CausalLm stories(DType dtype) {
        LoadedModel lm = ModelFolder.load(storiesBin());
        return CausalLm.fromWeights(lm.config(), lm.weights(), dtype);
    }
}
