package dev.shear.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.engine.HostTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file, opened lazily: the header is parsed and fully validated on open,
 * each tensor is memory-mapped and converted to fp32 only when {@link #read} asks for it.
 * Offsets must tile the data area exactly (no overlap, no gap, no trailing bytes), as the
 * reference implementation requires.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header accepted, whatever the file size. */
    public static final long MAX_HEADER_BYTES = 100L << 20;
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    private static final int MAP_CHUNK = 1 << 28;
    /** Reused by {@link #read(String, long, java.nio.FloatBuffer)}: 4 MB of file bytes at a time. */
    private static final ThreadLocal<ByteBuffer> READ_BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN));
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1),
            Map.entry("U64", 8), Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1),
            Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));

    /** One header entry; {@code begin} and {@code end} are relative to the data area. */
    public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
        public TensorInfo { shape = shape.clone(); }

        @Override public long[] shape() { return shape.clone(); }

        public long numel() { return HostTensor.numel(shape); }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    public static SafetensorsFile open(Path file) {
        FileChannel ch = null;
        try {
            ch = InputFiles.open(file, "file");
            long size = ch.size();
            byte[] header = readHeaderBytes(file, ch, size);
            JsonNode root = JsonFiles.parseObject(header, file);
            long dataStart = 8L + header.length;
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, TensorInfo> infos = parseEntries(file, root, size - dataStart, meta);
            SafetensorsFile opened = new SafetensorsFile(file, ch, dataStart, infos, meta);
            ch = null;
            return opened;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } finally {
            closeQuietly(ch);
        }
    }

    public Path path() { return path; }

    /** The {@code __metadata__} strings. */
    public Map<String, String> metadata() { return metadata; }

    /** Entries in header order. */
    public Map<String, TensorInfo> tensors() { return tensors; }

    public boolean contains(String name) { return tensors.containsKey(name); }

    /** Maps and converts one tensor to fp32. */
    public HostTensor read(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException(path + ": no tensor " + name);
        SafetensorsDType dt = SafetensorsDType.forName(t.dtype());
        if (dt == null) throw ShearFormatException.of(path, name + " has dtype " + t.dtype(), "F32, F16, BF16 or F64");
        long numel = t.numel();
        if (numel > MAX_ARRAY) throw ShearFormatException.of(path, name + " has " + numel + " values", "at most " + MAX_ARRAY);
        try {
            return new HostTensor(t.shape(), decode(dt, dataStart + t.begin(), (int) numel));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Values [offset, offset + dst.remaining()) of a tensor as fp32, read with positional reads rather
     * than a mapping: mapped pages count as resident memory of the process until the garbage
     * collector unmaps them, which would double a large model's footprint while it loads.
     */
    public void read(String name, long offset, java.nio.FloatBuffer dst) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException(path + ": no tensor " + name);
        SafetensorsDType dt = SafetensorsDType.forName(t.dtype());
        if (dt == null) throw ShearFormatException.of(path, name + " has dtype " + t.dtype(), "F32, F16, BF16 or F64");
        if (offset < 0 || offset + dst.remaining() > t.numel())
            throw new IllegalArgumentException(path + ": " + name + " has " + t.numel() + " values, asked for [" + offset + ", " + (offset + dst.remaining()) + ")");
        ByteBuffer buf = READ_BUFFER.get();
        long position = dataStart + t.begin() + offset * dt.bytes();
        try {
            while (dst.hasRemaining()) {
                int count = Math.min(dst.remaining(), buf.capacity() / dt.bytes());
                buf.clear().limit(count * dt.bytes());
                readFully(channel, buf, position);
                buf.flip();
                dt.decode(buf, dst, count);
                position += (long) count * dt.bytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from " + path + ": " + e.getMessage(), e);
        }
    }

    private float[] decode(SafetensorsDType dt, long position, int numel) throws IOException {
        float[] out = new float[numel];
        int perChunk = MAP_CHUNK / dt.bytes();
        for (int done = 0; done < numel; ) {
            int count = Math.min(numel - done, perChunk);
            ByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, position, (long) count * dt.bytes())
                    .order(ByteOrder.LITTLE_ENDIAN);
            dt.decode(m, out, done, count);
            position += (long) count * dt.bytes();
            done += count;
        }
        return out;
    }

    @Override public void close() { closeQuietly(channel); }

    // ---- header ---------------------------------------------------------------------------------

    private static byte[] readHeaderBytes(Path file, FileChannel ch, long size) throws IOException {
        if (size < 8) throw ShearFormatException.of(file, "file is " + size + " bytes", "an 8-byte header length and a JSON header");
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long n = len.getLong(0);
        if (n < 2 || n > MAX_HEADER_BYTES || n > size - 8)
            throw ShearFormatException.of(file, "header length " + Long.toUnsignedString(n),
                    "2.." + Math.min(MAX_HEADER_BYTES, size - 8) + " bytes");
        ByteBuffer header = ByteBuffer.allocate((int) n);
        readFully(ch, header, 8);
        return header.array();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) throw new java.io.EOFException("file ended early");
        }
    }

    private static Map<String, TensorInfo> parseEntries(Path file, JsonNode root, long dataBytes, Map<String, String> meta) {
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) parseMetadata(file, e.getValue(), meta);
            else infos.put(e.getKey(), parseEntry(file, e.getKey(), e.getValue(), dataBytes));
        }
        requireTiling(file, infos.values(), dataBytes);
        return infos;
    }

    private static void parseMetadata(Path file, JsonNode node, Map<String, String> meta) {
        if (!node.isObject()) throw ShearFormatException.of(file, "__metadata__ is not an object", "string keys and values");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) throw ShearFormatException.of(file, "__metadata__." + e.getKey() + " is not a string", "a string");
            meta.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode node, long dataBytes) {
        if (!node.isObject()) throw ShearFormatException.of(file, name + " entry is not an object", "{dtype, shape, data_offsets}");
        JsonNode dtypeNode = node.get("dtype");
        Integer size = dtypeNode != null && dtypeNode.isTextual() ? DTYPE_BYTES.get(dtypeNode.textValue()) : null;
        if (size == null) throw ShearFormatException.of(file, name + " has dtype " + dtypeNode, "one of " + DTYPE_BYTES.keySet());
        long[] shape = longs(file, name, "shape", node.get("shape"), -1);
        long[] offsets = longs(file, name, "data_offsets", node.get("data_offsets"), 2);
        long bytes = byteCount(file, name, shape, size);
        if (offsets[0] > offsets[1] || offsets[1] > dataBytes || offsets[1] - offsets[0] != bytes)
            throw ShearFormatException.of(file, name + " data_offsets " + Arrays.toString(offsets) + " for " + dtypeNode.textValue()
                    + Arrays.toString(shape), bytes + " bytes inside the " + dataBytes + "-byte data area");
        return new TensorInfo(name, dtypeNode.textValue(), shape, offsets[0], offsets[1]);
    }

    private static long[] longs(Path file, String name, String field, JsonNode node, int requiredLength) {
        boolean ok = node != null && node.isArray() && (requiredLength < 0 || node.size() == requiredLength) && node.size() <= 64;
        long[] out = ok ? new long[node.size()] : null;
        for (int i = 0; ok && i < node.size(); i++) {
            JsonNode v = node.get(i);
            ok = v.isIntegralNumber() && v.canConvertToLong() && v.longValue() >= 0;
            if (ok) out[i] = v.longValue();
        }
        if (!ok) throw ShearFormatException.of(file, name + " " + field + " is " + node,
                (requiredLength < 0 ? "an array of at most 64" : "an array of " + requiredLength) + " non-negative integers");
        return out;
    }

    private static long byteCount(Path file, String name, long[] shape, int dtypeBytes) {
        try {
            return Math.multiplyExact(HostTensor.numel(shape), dtypeBytes);
        } catch (ArithmeticException e) {
            throw ShearFormatException.of(file, name + " shape " + Arrays.toString(shape) + " overflows", "a size below 2^63 bytes");
        }
    }

    private static void requireTiling(Path file, java.util.Collection<TensorInfo> infos, long dataBytes) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long at = 0;
        for (TensorInfo t : sorted) {
            if (t.begin() != at)
                throw ShearFormatException.of(file, t.name() + " starts at byte " + t.begin() + " of the data area",
                        "byte " + at + " (tensors must not overlap or leave gaps)");
            at = t.end();
        }
        if (at != dataBytes)
            throw ShearFormatException.of(file, "tensors cover " + at + " of " + dataBytes + " data bytes", "the data area exactly");
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // read-only channel
        }
    }
}
