package dev.shear.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.engine.HostTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;

/** Writes one {@code .safetensors} file atomically, tensors in map order, header padded with spaces to 8 bytes. */
final class SafetensorsWriter {
    private static final int CHUNK = 1 << 20;

    private SafetensorsWriter() {}

    static void write(Path file, Map<String, HostTensor> tensors, Function<String, SafetensorsDType> dtypeOf) {
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        tensors.forEach((n, t) -> shapes.put(n, t.shape()));
        write(file, shapes, dev.shear.engine.TensorSource.of(tensors), dtypeOf);
    }

    /**
     * Writes the named tensors of a source, a chunk at a time: a file or a tensor past 2 GiB (or
     * 4 GiB) never sits in one buffer, and the model need not be on the heap.
     */
    static void write(Path file, Map<String, long[]> shapes, dev.shear.engine.TensorSource source, Function<String, SafetensorsDType> dtypeOf) {
        byte[] header = header(shapes, dtypeOf);
        AtomicFiles.write(file, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            AtomicFiles.writeFully(ch, len);
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            for (Map.Entry<String, long[]> e : shapes.entrySet()) writeData(ch, e.getKey(), HostTensor.numel(e.getValue()), source, dtypeOf.apply(e.getKey()));
        });
    }

    /** Bytes a tensor takes in the given dtype. */
    static long dataBytes(HostTensor t, SafetensorsDType dtype) { return t.numel() * dtype.bytes(); }

    private static byte[] header(Map<String, long[]> shapes, Function<String, SafetensorsDType> dtypeOf) {
        ObjectNode root = JsonFiles.MAPPER.createObjectNode();
        root.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            if (e.getKey().equals("__metadata__")) throw new IllegalArgumentException("safetensors: tensor name __metadata__ is reserved");
            long bytes = HostTensor.numel(e.getValue()) * dtypeOf.apply(e.getKey()).bytes();
            ObjectNode entry = root.putObject(e.getKey());
            entry.put("dtype", dtypeOf.apply(e.getKey()).name());
            Arrays.stream(e.getValue()).forEach(entry.putArray("shape")::add);
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        return padded(toBytes(root));
    }

    private static byte[] toBytes(ObjectNode root) {
        try {
            return JsonFiles.MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Data starts 8-byte aligned: pad the header with spaces, as the reference writer does. */
    private static byte[] padded(byte[] json) {
        int len = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, len);
        Arrays.fill(out, json.length, len, (byte) ' ');
        return out;
    }

    private static void writeData(FileChannel ch, String name, long numel, dev.shear.engine.TensorSource source, SafetensorsDType dtype)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        int per = CHUNK / dtype.bytes();
        float[] values = new float[(int) Math.min(per, numel)];
        for (long done = 0; done < numel; done += per) {
            int count = (int) Math.min(per, numel - done);
            source.read(name, done, java.nio.FloatBuffer.wrap(values, 0, count));
            buf.clear();
            dtype.encode(values, 0, count, buf);
            buf.flip();
            AtomicFiles.writeFully(ch, buf);
        }
    }

}
