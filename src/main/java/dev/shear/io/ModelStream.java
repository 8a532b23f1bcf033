package dev.shear.io;

import dev.shear.engine.TensorSource;
import dev.shear.model.ModelConfig;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A model on disk, opened for tensor-by-tensor loading ({@link dev.shear.model.CausalLm#fromSource}):
 * names and shapes are checked from the headers on open, values are read, converted to fp32 and
 * checked finite one chunk at a time, so loading never holds the whole model on the heap. Close it
 * once the model is built.
 */
public final class ModelStream implements AutoCloseable {
    private final ModelConfig config;
    private final TensorSource weights;
    private final Path source;
    private final AutoCloseable resources;

    private ModelStream(ModelConfig config, TensorSource weights, Path source, AutoCloseable resources) {
        this.config = config;
        this.weights = weights;
        this.source = source;
        this.resources = resources;
    }

    /** Safetensors shards whose headers {@link ModelFolder} has already checked against the config. */
    static ModelStream ofShards(ModelConfig config, SafetensorsShards shards, Map<String, long[]> expected, Path folder) {
        TensorSource stored = new TensorSource() {
            @Override public long[] shape(String name) { return shards.info(name) == null ? null : shards.info(name).shape(); }

            @Override public void read(String name, long offset, FloatBuffer dst) {
                int from = dst.position();
                shards.read(name, offset, dst);
                for (int i = from; i < dst.position(); i++)
                    if (!Float.isFinite(dst.get(i))) throw ShearFormatException.of(shards.fileOf(name), name + " contains NaN or Inf", "finite values");
            }
        };
        TensorSource split = StoredTensors.split(config, expected, stored);
        TensorSource src = new TensorSource() {
            @Override public long[] shape(String name) { return expected.containsKey(name) ? split.shape(name) : null; }

            @Override public void read(String name, long offset, FloatBuffer dst) { split.read(name, offset, dst); }
        };
        return new ModelStream(config, src, folder, shards);
    }

    /** A model already read whole (llama2.c checkpoints are read in one pass). */
    static ModelStream ofLoaded(LoadedModel m) {
        return new ModelStream(m.config(), TensorSource.of(m.weights()), m.source(), () -> {});
    }

    public ModelConfig config() { return config; }

    public TensorSource weights() { return weights; }

    public Path source() { return source; }

    @Override public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot close " + source + ": " + e.getMessage(), e);
        }
    }

    @Override public String toString() { return "ModelStream" + Arrays.asList(source, config.numLayers() + " layers"); }
}
