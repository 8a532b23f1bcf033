package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.RopePermutation;
import dev.shear.model.WeightNames;
import dev.shear.model.WeightNames.Linear;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads and saves whole models: a llama2.c {@code .bin} or a Hugging Face folder (config.json,
 * safetensors, tokenizer). Loading checks every tensor the config requires, with its exact shape,
 * and nothing unexpected. Saving always produces a Hugging Face folder in HALF rotary layout,
 * built beside the target and renamed into place, so a model folder is complete or absent.
 */
public final class ModelFolder {
    private static final List<String> HF_TOKENIZER_FILES =
            List.of(HfTokenizer.FILE, HfTokenizer.CONFIG_FILE, "special_tokens_map.json", "tokenizer.model");

    /** Storage dtype and shard size of a saved folder. */
    public record SaveOptions(SafetensorsDType dtype, long maxShardBytes) {
        public static final SaveOptions DEFAULT = new SaveOptions(SafetensorsDType.F32, 5_000_000_000L);

        public SaveOptions {
            if (maxShardBytes < 1) throw new IllegalArgumentException("maxShardBytes " + maxShardBytes + " must be positive");
        }

        String torchDtype() {
            return switch (dtype) { case F32 -> "float32"; case F16 -> "float16"; case BF16 -> "bfloat16"; case F64 -> "float64"; };
        }
    }

    private ModelFolder() {}

    // ---- load ------------------------------------------------------------------------------------

    /** A llama2.c {@code .bin} file, or a Hugging Face folder (or its config.json). */
    public static LoadedModel load(Path path) {
        if (Files.isDirectory(path)) return loadHf(path);
        String name = path.getFileName().toString();
        if (name.equals(HfConfigJson.FILE)) return loadHf(path.toAbsolutePath().getParent());
        if (name.endsWith(".bin")) return Llama2cCheckpoint.read(path);
        if (name.endsWith(".gguf") && Files.isRegularFile(path)) return GgufImport.read(path);
        throw ShearFormatException.of(path, Files.exists(path) ? "unknown model format" : "does not exist",
                "a llama2.c .bin checkpoint, a .gguf file or a Hugging Face model folder");
    }

    /**
     * Opens a model for streaming: a Hugging Face folder is checked from its headers and read tensor
     * by tensor when the model is built; a llama2.c file is read whole. Close the stream afterwards.
     */
    public static ModelStream open(Path path) {
        if (Files.isDirectory(path)) return openHf(path);
        if (path.getFileName().toString().equals(HfConfigJson.FILE)) return openHf(path.toAbsolutePath().getParent());
        return ModelStream.ofLoaded(load(path));
    }

    private static ModelStream openHf(Path folder) {
        ModelConfig config = HfConfigJson.read(configFile(folder));
        SafetensorsShards shards = Safetensors.openFolder(folder);
        try {
            checkHeaders(config, StoredTensors.shapes(config), shards);
            checkTiedDuplicateStreamed(config, shards);
            return ModelStream.ofShards(config, shards, WeightNames.expectedShapes(config), folder);
        } catch (RuntimeException e) {
            shards.close();
            throw e;
        }
    }

    /** As {@link #checkTiedDuplicate}, comparing a chunk at a time. */
    private static void checkTiedDuplicateStreamed(ModelConfig config, SafetensorsShards shards) {
        String out = WeightNames.outputEmbedding(config), in = WeightNames.inputEmbedding(config);
        if (!config.tiedEmbeddings() || !shards.names().contains(out)) return;
        long n = shards.info(in).numel();
        java.nio.FloatBuffer a = java.nio.FloatBuffer.allocate(1 << 20), b = java.nio.FloatBuffer.allocate(1 << 20);
        boolean same = Arrays.equals(shards.info(out).shape(), shards.info(in).shape());
        for (long at = 0; same && at < n; at += a.capacity()) {
            int count = (int) Math.min(a.capacity(), n - at);
            shards.read(out, at, a.clear().limit(count));
            shards.read(in, at, b.clear().limit(count));
            same = a.flip().equals(b.flip());
        }
        if (!same)
            throw ShearFormatException.of(shards.fileOf(out), out + " differs from the input embedding of a tied model",
                    "tie_word_embeddings false, or no " + out);
    }

    /** Reads the config only. */
    public static ModelConfig loadConfig(Path path) {
        if (Files.isDirectory(path)) return HfConfigJson.read(configFile(path));
        if (path.getFileName().toString().equals(HfConfigJson.FILE)) return HfConfigJson.read(path);
        if (path.getFileName().toString().endsWith(".gguf")) return GgufImport.readConfig(path);
        return Llama2cCheckpoint.readConfig(path);
    }

    private static Path configFile(Path folder) {
        if (!Files.exists(folder.resolve(HfConfigJson.FILE))) throw ShearFormatException.of(folder, "no " + HfConfigJson.FILE, "a Hugging Face model folder");
        return FolderFiles.resolve(folder, HfConfigJson.FILE);
    }

    /** The whole model on the heap, each tensor read (and checked finite) through the stream. */
    private static LoadedModel loadHf(Path folder) {
        try (ModelStream s = openHf(folder)) {
            Map<String, HostTensor> weights = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : WeightNames.expectedShapes(s.config()).entrySet()) {
                long n = HostTensor.numel(e.getValue());
                if (n > Integer.MAX_VALUE - 8)
                    throw ShearFormatException.of(folder, e.getKey() + " has " + n + " values", "at most " + (Integer.MAX_VALUE - 8) + " to hold it on the heap");
                float[] data = new float[(int) n];
                s.weights().read(e.getKey(), 0, java.nio.FloatBuffer.wrap(data));
                weights.put(e.getKey(), new HostTensor(e.getValue(), data));
            }
            return new LoadedModel(s.config(), weights, folder);
        }
    }

    /** Names and shapes from the headers alone, before any data is read. */
    private static void checkHeaders(ModelConfig config, Map<String, long[]> expected, SafetensorsShards shards) {
        for (String name : shards.names()) {
            long[] want = expected.get(name);
            if (want != null) WeightShapes.requireShape(shards.fileOf(name), name, shards.info(name).shape(), want);
            else if (!WeightNames.isIgnorableBuffer(name) && !isTiedDuplicate(config, name))
                throw ShearFormatException.of(shards.fileOf(name), "unexpected tensor " + name,
                        "only the " + expected.size() + " tensors the config requires (and rotary buffers)");
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!shards.names().contains(e.getKey()))
                throw ShearFormatException.of(shards.source(), e.getKey() + " is missing", Arrays.toString(e.getValue()));
        }
    }

    private static boolean isTiedDuplicate(ModelConfig config, String name) {
        return config.tiedEmbeddings() && name.equals(WeightNames.outputEmbedding(config));
    }

    // ---- tokenizer --------------------------------------------------------------------------------

    /**
     * The tokenizer for a model: {@code override} if given, else tokenizer.json in a model folder,
     * else {@code tok<vocab>.bin}, {@code tokenizer.bin} or the one {@code tok*.bin} beside the model;
     * a {@code .gguf} model carries its own.
     * A llama2.c tokenizer is read with the model's vocab size, as run.c does.
     */
    public static Tokenizer loadTokenizer(Path model, Path override) {
        if (override == null && model != null && model.getFileName().toString().endsWith(".gguf")) return GgufImport.readTokenizer(model);
        ModelConfig config = model == null ? null : loadConfig(model);
        Path path = override != null ? override : findTokenizer(model, config);
        Tokenizer tok = isHfTokenizer(path)
                ? (config == null ? HfTokenizer.load(path) : HfTokenizer.load(path, config.bosId(), config.eosId()))
                : Llama2cTokenizer.read(path, config == null ? -1 : config.vocabSize());
        if (config != null && tok.vocabSize() > config.vocabSize()) {
            tok.close();
            throw ShearFormatException.of(path, "tokenizer has " + tok.vocabSize() + " tokens", "at most the model's vocab of " + config.vocabSize());
        }
        return tok;
    }

    private static boolean isHfTokenizer(Path p) { return Files.isDirectory(p) || p.getFileName().toString().endsWith(".json"); }

    private static Path findTokenizer(Path model, ModelConfig config) {
        boolean folder = Files.isDirectory(model);
        Path dir = folder ? model : model.toAbsolutePath().getParent();
        if (folder && Files.exists(dir.resolve(HfTokenizer.FILE))) return FolderFiles.resolve(dir, HfTokenizer.FILE);
        for (String name : List.of("tok" + config.vocabSize() + ".bin", "tokenizer.bin")) {
            if (Files.isRegularFile(dir.resolve(name))) return dir.resolve(name);
        }
        List<Path> toks = listTokBins(dir);
        if (toks.size() == 1) return toks.get(0);
        throw ShearFormatException.of(model, toks.isEmpty() ? "no tokenizer found" : "several tokenizers found " + toks,
                "tokenizer.json, tok" + config.vocabSize() + ".bin or tokenizer.bin beside the model (or an explicit tokenizer path)");
    }

    private static List<Path> listTokBins(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("tok.*\\.bin") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    // ---- save -------------------------------------------------------------------------------------

    public static void save(LoadedModel model, Tokenizer source, Path outDir) { save(model, source, outDir, SaveOptions.DEFAULT); }

    /**
     * Writes a Hugging Face folder: config.json, safetensors (sharded past {@code maxShardBytes}),
     * and the tokenizer (a llama2.c tokenizer as tokenizer.json plus its tok*.bin). An existing
     * {@code outDir} is replaced only if it is empty or a model folder (holds config.json).
     */
    public static void save(LoadedModel model, Tokenizer source, Path outDir, SaveOptions options) {
        LoadedModel half = toHalfLayout(model);
        save(half.config(), dev.shear.engine.TensorSource.of(half.weights()), source, outDir, options);
    }

    /**
     * Writes a Hugging Face folder from a weight source, a chunk at a time: a model the engine holds
     * ({@link dev.shear.model.CausalLm#weightSource}) is saved without a host copy, so a model
     * larger than the heap can be. Needs the HALF rotary layout that Hugging Face-loaded models have.
     */
    public static void save(ModelConfig config, dev.shear.engine.TensorSource weights, Tokenizer source, Path outDir, SaveOptions options) {
        if (config.ropeLayout() != RopeLayout.HALF)
            throw new IllegalArgumentException("save: streaming needs the HALF rotary layout, got " + config.ropeLayout() + " (save the host copy instead)");
        Path target = outDir.toAbsolutePath().normalize();
        requireReplaceable(target);
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            AtomicFiles.sweepStale(target);
            tmp = Files.createTempDirectory(target.getParent(), AtomicFiles.tempPrefix(target, "tmp-"));
            AtomicFiles.readableByAll(tmp, "rwxr-xr-x");
            Safetensors.writeFolder(tmp, StoredTensors.shapes(config), StoredTensors.fused(config, weights), name -> options.dtype(), options.maxShardBytes());
            HfConfigJson.write(config, tmp.resolve(HfConfigJson.FILE), options.torchDtype());
            writeTokenizer(source, tmp);
            FolderSwap.replace(tmp, target);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) FolderSwap.deleteRecursively(tmp);
        }
    }

    private static void requireReplaceable(Path target) {
        if (!Files.exists(target)) return;
        boolean ok = Files.isDirectory(target) && (Files.isRegularFile(target.resolve(HfConfigJson.FILE)) || FolderSwap.isEmpty(target));
        if (!ok) throw new IllegalArgumentException("save: " + target + " exists and is not a model folder, expected a new path, "
                + "an empty folder or an earlier model folder");
    }

    private static void writeTokenizer(Tokenizer source, Path dir) throws IOException {
        if (source == null) return;
        if (source instanceof Llama2cTokenizer tok) {
            HfTokenizer.writeForLlama2c(tok, dir);
            tok.write(dir.resolve("tok" + tok.vocabSize() + ".bin"));     // run.c-exact fallback and llama2.c export
        } else if (source instanceof HfTokenizer hf) {
            for (String name : HF_TOKENIZER_FILES) {
                Path from = hf.folder().resolve(name);
                if (Files.isRegularFile(from)) AtomicFiles.writeBytes(dir.resolve(name), InputFiles.readAll(from, InputFiles.MAX_TEXT, "tokenizer file"));
            }
        } else {
            throw new IllegalArgumentException("save: cannot write tokenizer " + source.describe() + ", expected a llama2.c or Hugging Face tokenizer");
        }
    }

    /** ADJACENT q/k rows (and biases) permuted to HALF; other models unchanged. */
    static LoadedModel toHalfLayout(LoadedModel model) {
        ModelConfig c = model.config();
        if (c.ropeLayout() == RopeLayout.HALF) return model;
        if (c.architecture() != Architecture.LLAMA || c.rotaryPct() != 1.0)
            throw new IllegalArgumentException("save: ADJACENT rotary layout is only defined for full-rotary LLaMA, not "
                    + c.architecture() + " with rotaryPct " + c.rotaryPct());
        Map<String, HostTensor> w = new LinkedHashMap<>(model.weights());
        for (int i = 0; i < c.numLayers(); i++) {
            LayerWidths l = c.layer(i);
            permute(w, Linear.Q.weight(i), l.numHeads(), l.headDim());
            permute(w, Linear.K.weight(i), l.numKvHeads(), l.headDim());
            if (c.attentionBias()) {
                permute(w, Linear.Q.bias(i), l.numHeads(), l.headDim());
                permute(w, Linear.K.bias(i), l.numKvHeads(), l.headDim());
            }
        }
        return new LoadedModel(c.withRopeLayout(RopeLayout.HALF), w, model.source());
    }

    private static void permute(Map<String, HostTensor> w, String name, int heads, int headDim) {
        HostTensor t = w.get(name);
        if (t == null) throw new IllegalArgumentException("save: model has no tensor " + name);
        w.put(name, RopePermutation.adjacentToHalf(t, heads, headDim));
    }
}
