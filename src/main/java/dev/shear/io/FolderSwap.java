package dev.shear.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Puts a finished folder in place by renames, so the target is always the old or the new one, complete. */
final class FolderSwap {
    private FolderSwap() {}

    /** Moves {@code ready} to {@code target}; an existing target is moved aside first, then deleted. */
    static void replace(Path ready, Path target) throws IOException {
        Path parent = target.getParent();
        if (!Files.exists(target)) {
            Files.move(ready, target, StandardCopyOption.ATOMIC_MOVE);
        } else {
            Path old = Files.createTempDirectory(parent, AtomicFiles.tempPrefix(target, "old-"));
            Files.delete(old);
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(ready, target, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        }
        AtomicFiles.syncDirectory(parent);
    }

    static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Best effort; never follows symlinks out of the folder (walk does not follow links by default). */
    static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // leftovers of a temp folder are harmless
                }
            });
        } catch (IOException ignored) {
            // nothing to delete
        }
    }
}
