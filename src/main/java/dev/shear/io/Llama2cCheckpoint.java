package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.WeightNames;
import dev.shear.model.WeightNames.Linear;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads llama2.c version-0 ("legacy") checkpoints: a 7 x int32 header, then float32 arrays in
 * run.c order. Weights keep the ADJACENT rotary layout. Every size is validated, and the exact
 * file length checked, before anything is allocated.
 */
public final class Llama2cCheckpoint {
    static final int HEADER_BYTES = 7 * Integer.BYTES;
    /** "ak42", the magic of llama2.c's version 1 and 2 exports. */
    private static final int MAGIC_V1 = 0x616b3432;
    private static final int MAX_DIM = 1 << 16, MAX_HIDDEN = 1 << 20, MAX_LAYERS = 1 << 12;
    private static final int MAX_VOCAB = 1 << 24, MAX_SEQ = 1 << 24;
    private static final long MAX_TENSOR = Integer.MAX_VALUE - 8;

    private Llama2cCheckpoint() {}

    /**
     * The header. {@code sharedClassifier} is the sign of the stored vocab size: positive means the
     * classifier reuses the token embedding, negative that an own classifier follows the tables.
     */
    public record Header(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize,
                         boolean sharedClassifier, int seqLen) {
        public int headDim() { return dim / nHeads; }

        public int kvDim() { return nKvHeads * headDim(); }

        public ModelConfig toConfig() {
            return ModelConfig.llama(dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen, sharedClassifier)
                    .withRopeLayout(RopeLayout.ADJACENT);
        }

        /** Exact file length in bytes: header, weights, both rotary tables, optional classifier. */
        public long fileBytes() {
            long d = dim, l = nLayers, h = hiddenDim, v = vocabSize, kv = kvDim();
            long floats = Math.multiplyExact(v, d);
            floats = Math.addExact(floats, Math.multiplyExact(2 * l, d));                  // rms_att, rms_ffn
            floats = Math.addExact(floats, Math.multiplyExact(Math.multiplyExact(2 * l, d), d));   // wq, wo
            floats = Math.addExact(floats, Math.multiplyExact(Math.multiplyExact(2 * l, kv), d));  // wk, wv
            floats = Math.addExact(floats, Math.multiplyExact(Math.multiplyExact(3 * l, h), d));   // w1, w2, w3
            floats = Math.addExact(floats, d);                                              // rms_final
            floats = Math.addExact(floats, ropeTableFloats() * 2);
            if (!sharedClassifier) floats = Math.addExact(floats, Math.multiplyExact(v, d));
            return Math.addExact(HEADER_BYTES, Math.multiplyExact(floats, (long) Float.BYTES));
        }

        long ropeTableFloats() { return Math.multiplyExact((long) seqLen, headDim() / 2); }

        int[] toInts() {
            return new int[] {dim, hiddenDim, nLayers, nHeads, nKvHeads, sharedClassifier ? vocabSize : -vocabSize, seqLen};
        }
    }

    /** Reads only the header and checks the file length; cheap. */
    public static ModelConfig readConfig(Path file) {
        try (FileChannel ch = InputFiles.open(file, "file")) {
            return readHeader(file, ch).toConfig();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads the whole checkpoint. */
    public static LoadedModel read(Path file) {
        try (FileChannel ch = InputFiles.open(file, "file")) {
            Header h = readHeader(file, ch);
            ModelConfig config = h.toConfig();
            Map<String, HostTensor> weights = readWeights(h, new LittleEndianChannel(ch));
            return new LoadedModel(config, WeightShapes.requireExact(config, weights, file), file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < HEADER_BYTES)
            throw ShearFormatException.of(file, "file is " + size + " bytes", "a llama2.c checkpoint of at least " + HEADER_BYTES);
        int[] v = new LittleEndianChannel(ch).readInts(7);
        if (v[0] == MAGIC_V1)
            throw ShearFormatException.of(file, "llama2.c version 1/2 export (magic ak42) is not supported", "a legacy version-0 checkpoint");
        Header h = validate(file, v);
        long expected = h.fileBytes();
        if (size != expected)
            throw ShearFormatException.of(file, "file is " + size + " bytes (" + (size < expected ? "truncated" : "trailing data")
                    + ") for dim " + h.dim + ", " + h.nLayers + " layers, vocab " + h.vocabSize, expected + " bytes");
        return h;
    }

    private static Header validate(Path file, int[] v) {
        int dim = bounded(file, "dim", v[0], MAX_DIM);
        int hidden = bounded(file, "hidden_dim", v[1], MAX_HIDDEN);
        int layers = bounded(file, "n_layers", v[2], MAX_LAYERS);
        int heads = bounded(file, "n_heads", v[3], dim);
        int kvHeads = bounded(file, "n_kv_heads", v[4], heads);
        if (v[5] == Integer.MIN_VALUE) throw ShearFormatException.of(file, "vocab_size " + v[5], "1.." + MAX_VOCAB + " in magnitude");
        int vocab = bounded(file, "vocab_size", Math.abs(v[5]), MAX_VOCAB);
        int seq = bounded(file, "seq_len", v[6], MAX_SEQ);
        if (dim % heads != 0) throw ShearFormatException.of(file, "dim " + dim + " is not divisible by n_heads " + heads, "a multiple");
        if (heads % kvHeads != 0)
            throw ShearFormatException.of(file, "n_heads " + heads + " is not divisible by n_kv_heads " + kvHeads, "a multiple");
        if ((dim / heads) % 2 != 0) throw ShearFormatException.of(file, "head size " + dim / heads + " is odd", "an even head size for rotary pairs");
        Header h = new Header(dim, hidden, layers, heads, kvHeads, vocab, v[5] > 0, seq);
        requireArraySized(file, "token_embedding", (long) vocab * dim);
        requireArraySized(file, "w1", (long) hidden * dim);
        requireArraySized(file, "wq", (long) dim * dim);
        return h;
    }

    private static int bounded(Path file, String field, int value, int max) {
        if (value < 1 || value > max) throw ShearFormatException.of(file, field + " " + value, "1.." + max);
        return value;
    }

    private static void requireArraySized(Path file, String tensor, long floats) {
        if (floats > MAX_TENSOR) throw ShearFormatException.of(file, tensor + " has " + floats + " values", "at most " + MAX_TENSOR);
    }

    private static Map<String, HostTensor> readWeights(Header h, LittleEndianChannel in) throws IOException {
        Map<String, HostTensor> w = new HashMap<>();
        int d = h.dim, l = h.nLayers, hid = h.hiddenDim, kv = h.kvDim();
        w.put(WeightNames.embedTokens(), matrix(in, h.vocabSize, d));
        perLayer(w, in, l, WeightNames::inputNorm, d, 0);
        perLayer(w, in, l, Linear.Q::weight, d, d);
        perLayer(w, in, l, Linear.K::weight, kv, d);
        perLayer(w, in, l, Linear.V::weight, kv, d);
        perLayer(w, in, l, Linear.O::weight, d, d);
        perLayer(w, in, l, WeightNames::postAttentionNorm, d, 0);
        perLayer(w, in, l, Linear.GATE::weight, hid, d);   // w1
        perLayer(w, in, l, Linear.DOWN::weight, d, hid);   // w2
        perLayer(w, in, l, Linear.UP::weight, hid, d);     // w3
        w.put(WeightNames.finalNorm(), HostTensor.of(in.readFloats(d), d));
        in.skip(h.ropeTableFloats() * 2 * Float.BYTES);    // freq_cis_real, freq_cis_imag: recomputed from theta
        if (!h.sharedClassifier) w.put(WeightNames.lmHead(), matrix(in, h.vocabSize, d));
        return w;
    }

    /** One array of {@code layers} tensors, each [rows, cols] (a vector when cols is 0). */
    private static void perLayer(Map<String, HostTensor> w, LittleEndianChannel in, int layers,
                                 java.util.function.IntFunction<String> name, int rows, int cols) throws IOException {
        for (int i = 0; i < layers; i++) {
            w.put(name.apply(i), cols == 0 ? HostTensor.of(in.readFloats(rows), rows) : matrix(in, rows, cols));
        }
    }

    private static HostTensor matrix(LittleEndianChannel in, int rows, int cols) throws IOException {
        return HostTensor.of(in.readFloats(Math.multiplyExact(rows, cols)), rows, cols);
    }
}
