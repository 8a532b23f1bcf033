package dev.shear.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How every reader opens an input: only regular files (a FIFO would block the open or the read
 * forever, a device such as /dev/zero never ends), and every whole-file read bounded by the file's
 * size and a maximum chosen for what the file is. Each failure is one line naming the file.
 */
public final class InputFiles {
    /** Text read whole (datasets, task files, JSON): a Java string holds at most 2^31 chars, and the heap pays twice. */
    public static final long MAX_TEXT = 1L << 30;
    private static final int CHUNK = 1 << 20;
    private static final Map<String, String> HASHES = new ConcurrentHashMap<>();

    private InputFiles() {}

    /**
     * The file, checked to exist and to be a regular file (symlinks followed); {@code what} names it
     * in the message ("dataset", "tokenizer").
     */
    public static Path requireRegular(Path file, String what) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new ShearFormatException(file + ": " + what + " does not exist");
        } catch (IOException e) {
            throw ShearFormatException.of(file, "cannot read " + what + " (" + e.getMessage() + ")", "a readable file");
        }
        if (a.isDirectory()) throw ShearFormatException.of(file, what + " is a directory", "a file");
        if (!a.isRegularFile())
            throw ShearFormatException.of(file, what + " is not a regular file (a FIFO, device or socket)", "a regular file");
        return file;
    }

    /** A regular file opened for reading; the caller bounds its reads by {@link FileChannel#size()}. */
    public static FileChannel open(Path file, String what) {
        requireRegular(file, what);
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw ShearFormatException.of(file, "cannot open " + what + " (" + e.getMessage() + ")", "a readable file");
        }
    }

    /** The whole file, at most {@code max} bytes; a file that grows while it is read is refused too. */
    public static byte[] readAll(Path file, long max, String what) {
        try (FileChannel ch = open(file, what)) {
            long size = ch.size();
            if (size > max) throw ShearFormatException.of(file, what + " is " + size + " bytes", "at most " + max + " bytes");
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining()) if (ch.read(buf) < 0) break;
            if (buf.hasRemaining() || ch.read(ByteBuffer.allocate(1)) > 0)
                throw ShearFormatException.of(file, what + " changed size while being read", "a file nothing writes to");
            return buf.array();
        } catch (IOException e) {
            throw ShearFormatException.of(file, "cannot read " + what + " (" + e.getMessage() + ")", "a readable file");
        }
    }

    /** The whole file as strict UTF-8 (malformed bytes are an error, not U+FFFD), at most {@link #MAX_TEXT} bytes. */
    public static String readUtf8(Path file, String what) {
        byte[] bytes = readAll(file, MAX_TEXT, what);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ShearFormatException.of(file, "invalid UTF-8 in " + what, "UTF-8 text");
        }
    }

    /**
     * SHA-256 of a regular file, streamed a chunk at a time (files past 2 GiB included). Remembered
     * per file, size and modification time, so a run that opens the same model in several stages
     * hashes it once.
     */
    public static String sha256(Path file, String what) {
        requireRegular(file, what);
        String key;
        try {
            Path real = file.toRealPath();
            key = real + "|" + Files.size(real) + "|" + Files.getLastModifiedTime(real).toMillis();
        } catch (IOException e) {
            throw ShearFormatException.of(file, "cannot read " + what + " (" + e.getMessage() + ")", "a readable file");
        }
        String cached = HASHES.get(key);
        if (cached != null) return cached;
        MessageDigest md = newSha256();
        update(md, file, what);
        String hex = HexFormat.of().formatHex(md.digest());
        HASHES.put(key, hex);
        return hex;
    }

    /** Feeds a regular file to a digest, a chunk at a time. */
    public static void update(MessageDigest md, Path file, String what) {
        try (FileChannel ch = open(file, what)) {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            while (ch.read(buf.clear()) >= 0) md.update(buf.flip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
