package dev.shear.io;

import dev.shear.engine.HostTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed GGUF v2/v3 header: metadata, the tensor directory and where the data starts. Tensor
 * data is read on demand. Parsing is bounded: counts and lengths are checked against the file
 * size, every tensor must lie inside the data section, aligned, without overlapping another.
 */
final class GgufFile {
    static final int MAGIC = 0x46554747;                  // "GGUF" read little-endian
    static final long DEFAULT_ALIGNMENT = 32;
    private static final int MAX_KEY = 1 << 16, MAX_STRING = 16 << 20, MAX_DIMS = 4;
    private static final long MAX_ENTRIES = 1 << 24;

    /** One directory entry; {@code dims} are GGUF order, innermost first (ne[0] = a row's length). */
    record TensorInfo(String name, long[] dims, GgmlType type, long offset) {
        TensorInfo { dims = dims.clone(); }

        long numel() { return HostTensor.numel(dims); }

        long bytes() { return type.bytes(dims); }

        /** Row-major shape, outermost first, as Shear and PyTorch write it. */
        long[] shape() {
            long[] s = new long[dims.length];
            for (int i = 0; i < dims.length; i++) s[i] = dims[dims.length - 1 - i];
            return s;
        }
    }

    private final Path path;
    private final Map<String, GgufValue> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;

    private GgufFile(Path path, Map<String, GgufValue> metadata, Map<String, TensorInfo> tensors, long dataStart) {
        this.path = path;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.dataStart = dataStart;
    }

    static GgufFile open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            GgufCursor in = new GgufCursor(ch, path);
            in.require(24, "the GGUF header");
            int magic = in.i32("magic");
            if (magic != MAGIC) throw ShearFormatException.of(path, String.format("magic 0x%08x", magic), "a GGUF file (magic \"GGUF\")");
            long version = in.u32("version");
            if (version != 2 && version != 3) throw ShearFormatException.of(path, "GGUF version " + version, "version 3 (or 2)");
            long nTensors = in.count("tensor count", 8 + 4 + 8 + 4, MAX_ENTRIES);
            long nKv = in.count("metadata count", 8 + 4 + 1, MAX_ENTRIES);
            Map<String, GgufValue> meta = new LinkedHashMap<>();
            for (long i = 0; i < nKv; i++) {
                String key = in.string("metadata key " + i, MAX_KEY);
                if (meta.put(key, value(in, GgufValueType.of(in.i32(key + " type"), path), key, path)) != null)
                    throw ShearFormatException.of(path, "duplicate metadata key " + key, "unique keys");
            }
            long alignment = alignment(meta, path);
            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            for (long i = 0; i < nTensors; i++) {
                TensorInfo t = tensorInfo(in, path);
                if (infos.put(t.name(), t) != null) throw ShearFormatException.of(path, "duplicate tensor " + t.name(), "unique names");
            }
            long dataStart = align(in.position(), alignment);
            checkLayout(path, infos, alignment, in.size() - dataStart);
            return new GgufFile(path, meta, infos, dataStart);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static GgufValue value(GgufCursor in, GgufValueType type, String key, Path path) throws IOException {
        if (type != GgufValueType.ARRAY) return new GgufValue(type, null, scalar(in, type, key));
        GgufValueType elem = GgufValueType.of(in.i32(key + " element type"), path);
        if (elem == GgufValueType.ARRAY) throw ShearFormatException.of(path, key + " is a nested array", "an array of scalars or strings");
        long n = in.count(key + " array length", elem.minBytes, MAX_ENTRIES);
        List<Object> list = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) list.add(scalar(in, elem, key));
        return new GgufValue(type, elem, list);
    }

    private static Object scalar(GgufCursor in, GgufValueType type, String key) throws IOException {
        return switch (type) {
            case UINT8 -> (long) in.u8(key);
            case INT8 -> (long) (byte) in.u8(key);
            case UINT16 -> (long) (in.u8(key) | in.u8(key) << 8);
            case INT16 -> (long) (short) (in.u8(key) | in.u8(key) << 8);
            case UINT32 -> in.u32(key);
            case INT32 -> (long) in.i32(key);
            case UINT64, INT64 -> in.i64(key);
            case FLOAT32 -> Double.parseDouble(Float.toString(in.f32(key)));   // the shortest decimal: 1e-5, not 9.99999974e-6
            case FLOAT64 -> in.f64(key);
            case BOOL -> bool(in.u8(key), key);
            case STRING -> in.string(key, MAX_STRING);
            case ARRAY -> throw new IllegalStateException("unreachable");
        };
    }

    private static boolean bool(int b, String key) {
        if (b > 1) throw new ShearFormatException(key + ": bool byte " + b + ", expected 0 or 1");
        return b == 1;
    }

    private static long alignment(Map<String, GgufValue> meta, Path path) {
        GgufValue v = meta.get("general.alignment");
        if (v == null) return DEFAULT_ALIGNMENT;
        long a = v.value() instanceof Long l ? l : -1;
        if (a < 1 || a > (1 << 20) || Long.bitCount(a) != 1)
            throw ShearFormatException.of(path, "general.alignment " + v.value(), "a power of two up to 2^20");
        return a;
    }

    private static TensorInfo tensorInfo(GgufCursor in, Path path) throws IOException {
        String name = in.string("tensor name", MAX_KEY);
        long nDims = in.u32(name + " dimension count");
        if (nDims < 1 || nDims > MAX_DIMS) throw ShearFormatException.of(path, name + " has " + nDims + " dimensions", "1.." + MAX_DIMS);
        long[] dims = new long[(int) nDims];
        for (int d = 0; d < nDims; d++) {
            dims[d] = in.i64(name + " dimension");
            if (dims[d] < 1 || dims[d] > Integer.MAX_VALUE) throw ShearFormatException.of(path, name + " dimension " + d + " is " + dims[d], "1.." + Integer.MAX_VALUE);
        }
        GgmlType type = GgmlType.of(in.i32(name + " type"), name, path);
        long offset = in.i64(name + " offset");
        TensorInfo t = new TensorInfo(name, dims, type, offset);
        long numel;
        try {
            numel = t.numel();
        } catch (ArithmeticException e) {
            throw ShearFormatException.of(path, name + " has shape " + Arrays.toString(dims) + " (overflow)", "a tensor that fits in memory");
        }
        if (numel > Integer.MAX_VALUE - 8) throw ShearFormatException.of(path, name + " has " + numel + " values", "at most " + (Integer.MAX_VALUE - 8));
        if (!type.fits(dims[0]))
            throw ShearFormatException.of(path, name + " is " + type + " with rows of " + dims[0] + " values", "rows of whole blocks of " + type.blockSize());
        return t;
    }

    /** Every tensor aligned, inside the data section, and disjoint from the others. */
    private static void checkLayout(Path path, Map<String, TensorInfo> infos, long alignment, long dataBytes) {
        List<TensorInfo> byOffset = new ArrayList<>(infos.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::offset));
        long end = 0;
        for (TensorInfo t : byOffset) {
            if (t.offset() < 0 || t.offset() % alignment != 0)
                throw ShearFormatException.of(path, t.name() + " at offset " + t.offset(), "a non-negative multiple of " + alignment);
            if (t.offset() < end) throw ShearFormatException.of(path, t.name() + " at offset " + t.offset() + " overlaps the tensor before it", "disjoint tensors");
            end = t.offset() + t.bytes();
            if (end > dataBytes)
                throw ShearFormatException.of(path, t.name() + " ends at data byte " + end + " (truncated file)", "at most " + dataBytes);
        }
    }

    static long align(long x, long alignment) { return (x + alignment - 1) / alignment * alignment; }

    // ---- access -------------------------------------------------------------------------------------

    Path path() { return path; }

    Map<String, GgufValue> metadata() { return metadata; }

    Map<String, TensorInfo> tensors() { return tensors; }

    boolean has(String key) { return metadata.containsKey(key); }

    GgufValue get(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) throw ShearFormatException.of(path, "no metadata key " + key, "it to be present");
        return v;
    }

    String string(String key) {
        GgufValue v = get(key);
        if (!(v.value() instanceof String s)) throw ShearFormatException.of(path, key + " is a " + v.type(), "a string");
        return s;
    }

    /** An integer scalar of any width, checked to lie in [min, max]. */
    long integer(String key, long min, long max) {
        GgufValue v = get(key);
        if (v.isArray() || !v.type().isInteger()) throw ShearFormatException.of(path, key + " is a " + v.type(), "an integer");
        return inRange(key, (Long) v.value(), min, max);
    }

    long integer(String key, long min, long max, long dflt) { return has(key) ? integer(key, min, max) : dflt; }

    double real(String key, double dflt) {
        if (!has(key)) return dflt;
        GgufValue v = get(key);
        if (!(v.value() instanceof Double d) || !Double.isFinite(d)) throw ShearFormatException.of(path, key + " is " + v.value(), "a finite float");
        return d;
    }

    boolean bool(String key, boolean dflt) {
        if (!has(key)) return dflt;
        if (!(get(key).value() instanceof Boolean b)) throw ShearFormatException.of(path, key + " is a " + get(key).type(), "a bool");
        return b;
    }

    /** A per-layer key: a scalar for all layers or an integer array of exactly {@code n}. */
    long[] perLayer(String key, int n, long min, long max) {
        GgufValue v = get(key);
        long[] out = new long[n];
        if (!v.isArray()) {
            Arrays.fill(out, integer(key, min, max));
            return out;
        }
        if (!v.elementType().isInteger() || v.list().size() != n)
            throw ShearFormatException.of(path, key + " is an array of " + v.list().size() + " " + v.elementType(), n + " integers, one per layer");
        for (int i = 0; i < n; i++) out[i] = inRange(key + "[" + i + "]", (Long) v.list().get(i), min, max);
        return out;
    }

    private long inRange(String key, long x, long min, long max) {
        if (x < min || x > max) throw ShearFormatException.of(path, key + " is " + x, min + ".." + max);
        return x;
    }

    /** Bytes read per chunk: a tensor may be larger than any Java buffer. */
    private static final int READ_CHUNK = 1 << 22;

    /**
     * Reads one tensor as fp32, shaped outermost first (quantized blocks dequantized as llama.cpp
     * does), a chunk at a time (tensors past 2 GiB included).
     */
    HostTensor read(String name) {
        TensorInfo t = info(name);
        GgmlType type = t.type();
        float[] data = new float[(int) t.numel()];
        chunks(t, (bytes, block) -> decode(type, bytes, data, Math.multiplyExact(block, type.blockSize())));
        return new HostTensor(t.shape(), data);
    }

    /** One tensor's stored bytes, as they are in the file (for tensors below 2 GiB). */
    byte[] rawBytes(String name) {
        TensorInfo t = info(name);
        if (t.bytes() > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(path + ": " + name + " has " + t.bytes() + " bytes, more than one array holds");
        byte[] out = new byte[(int) t.bytes()];
        chunks(t, (bytes, block) -> bytes.get(out, Math.multiplyExact(block, t.type().blockBytes()), bytes.remaining()));
        return out;
    }

    private TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw ShearFormatException.of(path, "no tensor " + name, "it to be present");
        return t;
    }

    /** Receives a chunk of whole blocks and the index of its first block. */
    private interface Chunk {
        void accept(ByteBuffer bytes, int firstBlock);
    }

    /** Reads the tensor's bytes in chunks of whole blocks. */
    private void chunks(TensorInfo t, Chunk sink) {
        int blockBytes = t.type().blockBytes();
        long blocks = t.bytes() / blockBytes;
        int per = READ_CHUNK / blockBytes;
        ByteBuffer bytes = ByteBuffer.allocate(per * blockBytes).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long pos = dataStart + t.offset();
            for (long done = 0; done < blocks; ) {
                int count = (int) Math.min(per, blocks - done);
                bytes.clear().limit(count * blockBytes);
                while (bytes.hasRemaining()) {
                    if (ch.read(bytes, pos + bytes.position()) < 0) throw ShearFormatException.of(path, t.name() + " is truncated", t.bytes() + " bytes");
                }
                bytes.flip();
                sink.accept(bytes, (int) done);
                pos += (long) count * blockBytes;
                done += count;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + t.name() + " from " + path + ": " + e.getMessage(), e);
        }
    }

    /** Decodes a chunk of whole blocks into {@code out} from value {@code at} on. */
    private static void decode(GgmlType type, ByteBuffer bytes, float[] out, int at) {
        int n = bytes.remaining() / type.blockBytes() * type.blockSize();
        switch (type) {
            case F32 -> bytes.asFloatBuffer().get(out, at, n);
            case F16 -> { for (int i = 0; i < n; i++) out[at + i] = HalfFloats.f16ToFloat(bytes.getShort()); }
            case BF16 -> { for (int i = 0; i < n; i++) out[at + i] = HalfFloats.bf16ToFloat(bytes.getShort()); }
            default -> {
                BlockFormat f = type.format;
                byte[] packed = bytes.array();
                for (int b = 0; b < n / f.blockSize(); b++) f.dequantize(packed, b * f.blockBytes(), out, at + b * f.blockSize());
            }
        }
    }
}
