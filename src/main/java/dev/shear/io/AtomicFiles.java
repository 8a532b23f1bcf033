package dev.shear.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/** Writes a file so that readers see the old content or the complete new one, never a part. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Fills a channel; the channel is closed and synced by the caller. */
    public interface Body {
        void write(FileChannel channel) throws IOException;
    }

    /** Temp file in the target's folder, fsync, rename over the target. */
    public static void write(Path target, Body body) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            sweepStale(target);
            tmp = Files.createTempFile(dir, tempPrefix(target, ""), ".tmp");
            readableByAll(tmp, "rw-r--r--");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            move(tmp, target);
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    public static void writeBytes(Path target, byte[] bytes) {
        write(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    public static void writeString(Path target, String text) {
        writeBytes(target, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Temp files and folders are created owner-only; the published result should not be. */
    static void readableByAll(Path p, String perms) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (IOException | UnsupportedOperationException ignored) {
            // not a POSIX file system: keep its defaults
        }
    }

    /** Makes a rename durable; not every platform can open a directory, which is fine. */
    static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort
        }
    }

    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a stale temp file is harmless
        }
    }

    /**
     * The start of a temp name beside {@code target}: ".NAME.KIND-PID-" (KIND "" for files), so a
     * later writer can tell the leftovers of a killed process from those of one still writing.
     */
    static String tempPrefix(Path target, String kind) {
        return "." + target.getFileName() + "." + kind + ProcessHandle.current().pid() + "-";
    }

    /**
     * Removes what killed writers left beside {@code target}: temp files and folders whose process
     * is gone. A folder moved aside for a swap ("old") whose target is missing is the model the swap
     * was replacing when it died; it is moved back instead.
     */
    static void sweepStale(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(
                "\\." + java.util.regex.Pattern.quote(target.getFileName().toString()) + "\\.(tmp-|old-)?(\\d+)-.*");
        List<Path> stale = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.forEach(f -> {
                java.util.regex.Matcher m = p.matcher(f.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) stale.add(f);
            });
        } catch (IOException | NumberFormatException e) {
            return;                                                    // nothing to sweep, or a name we do not own
        }
        for (Path f : stale) {
            if (f.getFileName().toString().contains(".old-") && !Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.move(f, target, StandardCopyOption.ATOMIC_MOVE);
                    continue;
                } catch (IOException ignored) {
                    // fall through: delete it like any other leftover
                }
            }
            FolderSwap.deleteRecursively(f);
        }
    }

    /** Deletes a file or folder and everything in it; nothing when it is missing. */
    public static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        } catch (IOException e) {
            throw new IllegalStateException(p + ": cannot delete (" + e.getMessage() + ")");
        }
    }
}
