package dev.shear.io;

import dev.shear.engine.HostTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
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
 * Written and read through one bounded buffer with long positions: checkpoints of models past
 * 2 GiB (or 4 GiB) never sit in one Java array.
 *
 * <p>The digest detects accidental damage (a torn write, a flipped bit, a file cut short); it is not
 * a signature, so bytes changed together with their digest are read. Reading is bounded like a
 * model file's regardless: every length, count, rank and shape is checked against what is left of
 * the file before anything is allocated, so such a file fails with one line, never an
 * OutOfMemoryError. Whether its tensors fit the run is the caller's check.
 */
public final class CheckpointFile {
    private static final int MAGIC = 0x4b434853;   // "SHCK"
    private static final int VERSION = 1;
    private static final long MAX_TENSORS = 1_000_000;
    private static final int MAX_META = 64 << 20, MAX_NAME = 1 << 16;
    private static final int CHUNK = 1 << 20;

    private CheckpointFile() {}

    public record Contents(String metaJson, Map<String, HostTensor> tensors) {}

    public static void write(Path file, String metaJson, Map<String, HostTensor> tensors) {
        AtomicFiles.write(file, ch -> {
            Out out = new Out(ch);
            out.room(8).putInt(MAGIC).putInt(VERSION);
            out.bytes(metaJson.getBytes(StandardCharsets.UTF_8));
            out.room(4).putInt(tensors.size());
            for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
                out.bytes(e.getKey().getBytes(StandardCharsets.UTF_8));
                long[] shape = e.getValue().shape();
                out.room(4).putInt(shape.length);
                for (long d : shape) out.room(8).putLong(d);
                float[] data = e.getValue().data();
                for (int at = 0; at < data.length; at += CHUNK / 4) {
                    int n = Math.min(CHUNK / 4, data.length - at);
                    ByteBuffer b = out.room(4 * n);
                    b.asFloatBuffer().put(data, at, n);
                    b.position(b.position() + 4 * n);
                }
            }
            out.flush();
            byte[] digest = out.sha.digest();
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(digest));
        });
    }

    public static Contents read(Path file) {
        try (FileChannel ch = InputFiles.open(file, "checkpoint")) {
            long size = ch.size();
            if (size < 48) throw ShearFormatException.of(file, "checkpoint truncated at " + size + " bytes", "at least 48");
            long body = size - 32;
            if (!Arrays.equals(digest(ch, body), tail(ch, body)))
                throw ShearFormatException.of(file, "checkpoint checksum mismatch (corrupt or partly written)", "the SHA-256 of its contents");
            In in = new In(ch, body, file);
            if (in.i32() != MAGIC || in.i32() != VERSION) throw ShearFormatException.of(file, "not a Shear checkpoint", "magic SHCK, version 1");
            String meta = new String(in.bytes(MAX_META, "metadata"), StandardCharsets.UTF_8);
            int n = in.i32();
            if (n < 0 || n > MAX_TENSORS) throw ShearFormatException.of(file, "tensor count " + n, "0.." + MAX_TENSORS);
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String name = new String(in.bytes(MAX_NAME, "tensor name " + i), StandardCharsets.UTF_8);
                int rank = in.i32();
                if (rank < 0 || rank > 8) throw ShearFormatException.of(file, "tensor " + name + " has rank " + rank, "0..8");
                long[] shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = in.i64();
                long numel = numel(file, name, shape);
                if (numel > (body - in.position()) / 4)
                    throw ShearFormatException.of(file, "tensor " + name + " " + Arrays.toString(shape) + " runs past the end of the file",
                            "at most " + (body - in.position()) / 4 + " values left");
                if (numel > Integer.MAX_VALUE - 8)
                    throw ShearFormatException.of(file, "tensor " + name + " has " + numel + " values", "at most " + (Integer.MAX_VALUE - 8));
                if (tensors.put(name, new HostTensor(shape, in.floats((int) numel))) != null)
                    throw ShearFormatException.of(file, "tensor " + name + " appears twice", "unique names");
            }
            if (in.position() != body)
                throw ShearFormatException.of(file, (body - in.position()) + " bytes after the last tensor", "the checksum to follow it");
            return new Contents(meta, tensors);
        } catch (NoSuchFileException e) {
            throw new ShearFormatException(file + ": cannot read checkpoint (no such file)");
        } catch (IOException e) {
            throw new ShearFormatException(file + ": cannot read checkpoint (" + e.getMessage() + ")");
        }
    }

    /** Values of a shape read from the file: dimensions non-negative, the product without overflow. */
    private static long numel(Path file, String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw ShearFormatException.of(file, "tensor " + name + " has shape " + Arrays.toString(shape), "non-negative dimensions");
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw ShearFormatException.of(file, "tensor " + name + " has shape " + Arrays.toString(shape) + ", more values than a long counts",
                        "a shape that fits the file");
            }
        }
        return n;
    }

    private static byte[] digest(FileChannel ch, long length) throws IOException {
        MessageDigest md = sha256();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        for (long at = 0; at < length; ) {
            buf.clear().limit((int) Math.min(CHUNK, length - at));
            while (buf.hasRemaining()) if (ch.read(buf, at + buf.position()) < 0) throw new java.io.EOFException("file ended early");
            buf.flip();
            md.update(buf);
            at += buf.limit();
        }
        return md.digest();
    }

    private static byte[] tail(FileChannel ch, long at) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        while (b.hasRemaining()) if (ch.read(b, at + b.position()) < 0) throw new java.io.EOFException("file ended early");
        return b.array();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Buffered little-endian output that feeds the digest with every byte it writes. */
    private static final class Out {
        final FileChannel ch;
        final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        final MessageDigest sha = sha256();

        Out(FileChannel ch) { this.ch = ch; }

        ByteBuffer room(int bytes) throws IOException {
            if (buf.remaining() < bytes) flush();
            return buf;
        }

        void bytes(byte[] b) throws IOException {
            room(4).putInt(b.length);
            for (int at = 0; at < b.length; at += CHUNK) {
                int n = Math.min(CHUNK, b.length - at);
                room(n).put(b, at, n);
            }
        }

        void flush() throws IOException {
            buf.flip();
            sha.update(buf.duplicate());
            AtomicFiles.writeFully(ch, buf);
            buf.clear();
        }
    }

    /** Bounded little-endian reads of the body (the digest excluded), refusing to read past it. */
    private static final class In {
        final FileChannel ch;
        final long end;
        final Path file;
        final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        long bufStart;

        In(FileChannel ch, long end, Path file) {
            this.ch = ch;
            this.end = end;
            this.file = file;
            buf.limit(0);
        }

        long position() { return bufStart + buf.position(); }

        private ByteBuffer need(int bytes) throws IOException {
            if (buf.remaining() >= bytes) return buf;
            if (position() + bytes > end) throw ShearFormatException.of(file, "truncated at byte " + position(), bytes + " more bytes");
            long pos = position();
            buf.compact();
            bufStart = pos;
            while (buf.position() < bytes) if (ch.read(buf, bufStart + buf.position()) < 0) throw new java.io.EOFException("file ended early");
            buf.limit((int) Math.min(buf.position(), end - bufStart)).position(0);
            return buf;
        }

        int i32() throws IOException { return need(4).getInt(); }

        long i64() throws IOException { return need(8).getLong(); }

        byte[] bytes(int max, String what) throws IOException {
            int len = i32();
            if (len < 0 || len > max || len > end - position())
                throw ShearFormatException.of(file, what + " length " + len, "0.." + Math.min(max, end - position()) + " bytes");
            byte[] out = new byte[len];
            for (int at = 0; at < len; ) {
                int n = Math.min(CHUNK, len - at);
                need(n).get(out, at, n);
                at += n;
            }
            return out;
        }

        float[] floats(int n) throws IOException {
            float[] out = new float[n];
            for (int at = 0; at < n; ) {
                int k = Math.min(CHUNK / 4, n - at);
                ByteBuffer b = need(4 * k);
                b.asFloatBuffer().get(out, at, k);
                b.position(b.position() + 4 * k);
                at += k;
            }
            return out;
        }
    }
}
