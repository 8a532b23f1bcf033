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
 */
public final class CheckpointFile {
    private static final int MAGIC = 0x4b434853;   // "SHCK"
    private static final int VERSION = 1;
    private static final long MAX_TENSORS = 1_000_000;
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
            if (size < 48) throw new ShearFormatException(file + ": checkpoint truncated at " + size + " bytes");
            long body = size - 32;
            if (!Arrays.equals(digest(ch, body), tail(ch, body)))
                throw new ShearFormatException(file + ": checkpoint checksum mismatch (corrupt or partly written)");
            In in = new In(ch, body, file);
            if (in.i32() != MAGIC || in.i32() != VERSION) throw new ShearFormatException(file + ": not a Shear checkpoint");
            String meta = new String(in.bytes(), StandardCharsets.UTF_8);
            int n = in.i32();
            if (n < 0 || n > MAX_TENSORS) throw new ShearFormatException(file + ": tensor count " + n + " out of range");
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String name = new String(in.bytes(), StandardCharsets.UTF_8);
                int rank = in.i32();
                if (rank < 0 || rank > 8) throw new ShearFormatException(file + ": tensor " + name + " has rank " + rank);
                long[] shape = new long[rank];
                for (int d = 0; d < rank; d++) shape[d] = in.i64();
                long numel;
                try {
                    numel = HostTensor.numel(shape);
                } catch (IllegalArgumentException | ArithmeticException e) {
                    throw new ShearFormatException(file + ": tensor " + name + " has shape " + Arrays.toString(shape));
                }
                if (numel > (body - in.position()) / 4 || numel > Integer.MAX_VALUE - 8)
                    throw new ShearFormatException(file + ": tensor " + name + " runs past the end");
                tensors.put(name, new HostTensor(shape, in.floats((int) numel)));
            }
            return new Contents(meta, tensors);
        } catch (NoSuchFileException e) {
            throw new ShearFormatException(file + ": cannot read checkpoint (no such file)");
        } catch (IOException e) {
            throw new ShearFormatException(file + ": cannot read checkpoint (" + e.getMessage() + ")");
        }
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
            if (position() + bytes > end) throw new ShearFormatException(file + ": field runs past the end at byte " + position());
            long pos = position();
            buf.compact();
            bufStart = pos;
            while (buf.position() < bytes) if (ch.read(buf, bufStart + buf.position()) < 0) throw new java.io.EOFException("file ended early");
            buf.limit((int) Math.min(buf.position(), end - bufStart)).position(0);
            return buf;
        }

        int i32() throws IOException { return need(4).getInt(); }

        long i64() throws IOException { return need(8).getLong(); }

        byte[] bytes() throws IOException {
            int len = i32();
            if (len < 0 || len > end - position()) throw new ShearFormatException(file + ": field length " + len + " runs past the end");
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
