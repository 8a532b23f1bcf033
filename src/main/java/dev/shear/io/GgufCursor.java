package dev.shear.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Sequential little-endian reads of a GGUF header through a bounded window. Every length is
 * checked against the bytes left in the file before anything is allocated, so a hostile count
 * fails with a one-line {@link ShearFormatException} instead of an OutOfMemoryError.
 */
final class GgufCursor {
    private static final int WINDOW = 1 << 20;
    private final FileChannel channel;
    private final Object file;
    private final long size;
    private final ByteBuffer buf = ByteBuffer.allocate(WINDOW).order(ByteOrder.LITTLE_ENDIAN);
    private long bufStart;                       // file position of buf[0]

    GgufCursor(FileChannel channel, Object file) throws IOException {
        this.channel = channel;
        this.file = file;
        this.size = channel.size();
        buf.limit(0);
    }

    long position() { return bufStart + buf.position(); }

    long remaining() { return size - position(); }

    long size() { return size; }

    /** Fails unless {@code bytes} more bytes exist; {@code what} names the field for the message. */
    void require(long bytes, String what) {
        if (bytes < 0 || bytes > remaining())
            throw ShearFormatException.of(file, "truncated at byte " + position() + " reading " + what, bytes + " more bytes");
    }

    private ByteBuffer ensure(int bytes, String what) throws IOException {
        require(bytes, what);
        if (buf.remaining() >= bytes) return buf;
        long pos = position();
        buf.compact();                           // unread bytes move to buf[0], which is file position pos
        bufStart = pos;
        while (buf.position() < bytes) {
            if (channel.read(buf, bufStart + buf.position()) < 0) break;
        }
        buf.flip();
        if (buf.remaining() < bytes) throw ShearFormatException.of(file, "file ended early reading " + what, bytes + " bytes");
        return buf;
    }

    int u8(String what) throws IOException { return ensure(1, what).get() & 0xFF; }

    int i32(String what) throws IOException { return ensure(4, what).getInt(); }

    long u32(String what) throws IOException { return Integer.toUnsignedLong(i32(what)); }

    long i64(String what) throws IOException { return ensure(8, what).getLong(); }

    float f32(String what) throws IOException { return ensure(4, what).getFloat(); }

    double f64(String what) throws IOException { return ensure(8, what).getDouble(); }

    /** A uint64 count or length that must fit what is left of the file at {@code minBytes} each. */
    long count(String what, int minBytes, long max) throws IOException {
        long n = i64(what);
        if (n < 0 || n > max || (minBytes > 0 && n > remaining() / minBytes))
            throw ShearFormatException.of(file, what + " " + Long.toUnsignedString(n) + " at byte " + (position() - 8),
                    "at most " + Math.min(max, minBytes > 0 ? remaining() / minBytes : max) + " (what the file can hold)");
        return n;
    }

    /** A gguf_string: uint64 length, then UTF-8 bytes (checked strictly). */
    String string(String what, int maxBytes) throws IOException {
        long len = count(what + " length", 1, maxBytes);
        byte[] bytes = new byte[(int) len];
        int done = 0;
        while (done < bytes.length) {
            ByteBuffer b = ensure(Math.min(WINDOW / 2, bytes.length - done), what);
            int n = Math.min(b.remaining(), bytes.length - done);
            b.get(bytes, done, n);
            done += n;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ShearFormatException.of(file, what + " is not valid UTF-8", "a UTF-8 string");
        }
    }
}
