package dev.shear.io;

import dev.shear.engine.HostTensor;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint: JSON metadata plus named fp32 tensors, closed by a SHA-256 of everything
 * before it, so a torn or corrupted file is detected instead of resumed from.
 * Layout (little-endian): "SHCK", int version, int metaLen, meta, int count,
 * per tensor {int nameLen, name, int rank, long[rank] shape, float[numel]}, 32-byte digest.
 */
public final class CheckpointFile {
    private static final int MAGIC = 0x4b434853;   // "SHCK"
    private static final int VERSION = 1;
    private static final long MAX_TENSORS = 1_000_000;

    private CheckpointFile() {}

    public record Contents(String metaJson, Map<String, HostTensor> tensors) {}

    public static void write(Path file, String metaJson, Map<String, HostTensor> tensors) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(MAGIC).putInt(VERSION);
            out.write(head.array());
            writeBytes(out, metaJson.getBytes(StandardCharsets.UTF_8));
            out.write(le(4).putInt(tensors.size()).array());
            for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
                writeBytes(out, e.getKey().getBytes(StandardCharsets.UTF_8));
                long[] shape = e.getValue().shape();
                ByteBuffer b = le(4 + 8 * shape.length + 4 * e.getValue().data().length).putInt(shape.length);
                for (long d : shape) b.putLong(d);
                for (float f : e.getValue().data()) b.putFloat(f);
                out.write(b.array());
            }
        } catch (IOException e) {
            throw new IllegalStateException(file + ": cannot serialise checkpoint", e);
        }
        byte[] body = bytes.toByteArray();
        byte[] all = Arrays.copyOf(body, body.length + 32);
        System.arraycopy(sha256(body, body.length), 0, all, body.length, 32);
        AtomicFiles.writeBytes(file, all);
    }

    public static Contents read(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ShearFormatException(file + ": cannot read checkpoint (" + e.getMessage() + ")");
        }
        if (all.length < 48) throw new ShearFormatException(file + ": checkpoint truncated at " + all.length + " bytes");
        int bodyLen = all.length - 32;
        if (!Arrays.equals(sha256(all, bodyLen), Arrays.copyOfRange(all, bodyLen, all.length)))
            throw new ShearFormatException(file + ": checkpoint checksum mismatch (corrupt or partly written)");
        ByteBuffer b = ByteBuffer.wrap(all, 0, bodyLen).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC || b.getInt() != VERSION) throw new ShearFormatException(file + ": not a Shear checkpoint");
        String meta = new String(readBytes(b, file), StandardCharsets.UTF_8);
        int n = b.getInt();
        if (n < 0 || n > MAX_TENSORS) throw new ShearFormatException(file + ": tensor count " + n + " out of range");
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = new String(readBytes(b, file), StandardCharsets.UTF_8);
            int rank = b.getInt();
            if (rank < 0 || rank > 8) throw new ShearFormatException(file + ": tensor " + name + " has rank " + rank);
            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++) shape[d] = b.getLong();
            long numel = HostTensor.numel(shape);
            if (numel * 4 > b.remaining()) throw new ShearFormatException(file + ": tensor " + name + " runs past the end");
            float[] data = new float[(int) numel];
            b.asFloatBuffer().get(data);
            b.position(b.position() + 4 * data.length);
            tensors.put(name, new HostTensor(shape, data));
        }
        return new Contents(meta, tensors);
    }

    private static ByteBuffer le(int n) { return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN); }

    private static void writeBytes(DataOutputStream out, byte[] data) throws IOException {
        out.write(le(4).putInt(data.length).array());
        out.write(data);
    }

    private static byte[] readBytes(ByteBuffer b, Path file) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) throw new ShearFormatException(file + ": field length " + len + " runs past the end");
        byte[] out = new byte[len];
        b.get(out);
        return out;
    }

    private static byte[] sha256(byte[] data, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, 0, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
