package dev.shear.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/** Sequential little-endian float and int access to a file channel through one bounded buffer. */
final class LittleEndianChannel {
    private static final int CHUNK = 1 << 20;
    private final FileChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);

    LittleEndianChannel(FileChannel channel) { this.channel = channel; }

    /** Reads exactly {@code n} floats; the caller has checked the file holds them. */
    float[] readFloats(int n) throws IOException {
        float[] out = new float[n];
        int done = 0;
        while (done < n) {
            int count = Math.min(n - done, CHUNK / Float.BYTES);
            fill(count * Float.BYTES);
            buf.asFloatBuffer().get(out, done, count);
            done += count;
        }
        return out;
    }

    int[] readInts(int n) throws IOException {
        fill(n * Integer.BYTES);
        int[] out = new int[n];
        buf.asIntBuffer().get(out);
        return out;
    }

    void skip(long bytes) throws IOException { channel.position(channel.position() + bytes); }

    private void fill(int bytes) throws IOException {
        buf.clear().limit(bytes);
        while (buf.hasRemaining()) {
            if (channel.read(buf) < 0) throw new java.io.EOFException("file ended early");
        }
        buf.flip();
    }

    void writeInts(int... values) throws IOException {
        buf.clear();
        for (int v : values) buf.putInt(v);
        flush();
    }

    void writeFloats(float[] values) throws IOException {
        int done = 0;
        while (done < values.length) {
            int count = Math.min(values.length - done, CHUNK / Float.BYTES);
            buf.clear();
            buf.asFloatBuffer().put(values, done, count);
            buf.position(count * Float.BYTES);
            flush();
            done += count;
        }
    }

    private void flush() throws IOException {
        buf.flip();
        AtomicFiles.writeFully(channel, buf);
    }
}
