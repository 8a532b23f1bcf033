package dev.shear.distributed;

import dev.shear.data.DataPaths;
import dev.shear.engine.DType;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.model.ModelConfig;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model as executors find it: a path every executor reads (a shared file system, or the same
 * install on every node), the checksum the driver saw there, and how to build it. Executors check
 * the checksum before using the file, so a node that reads another model fails instead of
 * answering for it.
 *
 * @param tokenizer a tokenizer override, or null for the model's own
 */
public record ModelRef(String path, String sha256, String tokenizer, DType baseDtype) implements Serializable {
    public ModelRef {
        if (path == null || sha256 == null || baseDtype == null) throw new IllegalArgumentException("model reference: path, sha256 and dtype are required");
    }

    /** The model at a path (made absolute: executors do not share the driver's working directory), hashed here. */
    public static ModelRef of(Path model, Path tokenizer, DType baseDtype) {
        Path p = model.toAbsolutePath().normalize();
        if (!Files.exists(p)) throw new IllegalArgumentException(model + ": model not found");
        return new ModelRef(p.toString(), DataPaths.sha256(p), tokenizer == null ? null : tokenizer.toAbsolutePath().normalize().toString(), baseDtype);
    }

    public Path file() { return Path.of(path); }

    /** The config alone: what planning needs on the driver, which never loads the weights. */
    public ModelConfig config() { return ModelFolder.loadConfig(file()); }

    public Tokenizer loadTokenizer() { return ModelFolder.loadTokenizer(file(), tokenizer == null ? null : Path.of(tokenizer)); }

    @Override public String toString() { return path + " (sha256 " + sha256.substring(0, Math.min(12, sha256.length())) + ")"; }
}
