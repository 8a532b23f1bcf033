package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.model.ModelConfig;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A model read from disk: its config and every weight under its Hugging Face name
 * ({@link dev.shear.model.WeightNames}), in the layout the config states.
 *
 * @param source the file or folder it came from (null for models built in memory)
 */
public record LoadedModel(ModelConfig config, Map<String, HostTensor> weights, Path source) {
    public LoadedModel {
        Objects.requireNonNull(config, "config");
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
    }

    public HostTensor weight(String name) {
        HostTensor t = weights.get(name);
        if (t == null) throw new IllegalArgumentException("model has no tensor " + name);
        return t;
    }
}
