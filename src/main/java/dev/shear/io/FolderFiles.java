package dev.shear.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one rule for every file Shear opens from a model folder (config.json, the weights, a single
 * model.safetensors or the shards an index names, the tokenizer files): after following symlinks it
 * must be a regular file inside the folder, or, when the folder is a Hugging Face hub snapshot
 * ({@code .../snapshots/<revision>}), inside that repository's {@code blobs} folder, where the hub
 * keeps the files its snapshots link to. Names read from a file (an index's shard names) must also be
 * relative and free of {@code ..}, whatever the file system holds.
 */
final class FolderFiles {
    private FolderFiles() {}

    /** A fixed name in the folder (config.json, model.safetensors), confined by the rule. */
    static Path resolve(Path folder, String name) { return confine(folder, folder.resolve(name), folder.resolve(name)); }

    /** A name read from {@code namedBy} (an index's shard name), checked as a name first, then confined. */
    static Path resolveNamed(Path folder, String name, Path namedBy) {
        if (name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.indexOf('\0') >= 0 || name.matches("^[A-Za-z]:.*"))
            throw ShearFormatException.of(namedBy, "file name \"" + name + "\" is absolute or empty", "a file name relative to the model folder");
        for (String part : name.split("[/\\\\]")) {
            if (part.equals(".."))
                throw ShearFormatException.of(namedBy, "file name \"" + name + "\" contains ..", "a file inside the model folder");
        }
        Path p;
        try {
            p = Path.of(name);
        } catch (InvalidPathException e) {
            throw ShearFormatException.of(namedBy, "file name \"" + name + "\" is not a valid path", "a file name", e);
        }
        if (p.isAbsolute()) throw ShearFormatException.of(namedBy, "file name \"" + name + "\" is absolute", "a relative file name");
        return confine(folder, folder.resolve(p), namedBy);
    }

    private static Path confine(Path folder, Path file, Path namedBy) {
        String what = namedBy.equals(file) ? "" : "file name \"" + folder.relativize(file) + "\" ";
        try {
            Path real = file.toRealPath();
            Path home = folder.toRealPath();
            Path blobs = hubBlobs(home);
            if (!real.startsWith(home) && (blobs == null || !real.startsWith(blobs)))
                throw ShearFormatException.of(namedBy, what + "resolves to " + real + ", outside the model folder",
                        "a file inside " + folder + (blobs == null ? "" : " or " + blobs));
            InputFiles.requireRegular(real, namedBy.equals(file) ? "file" : "shard " + folder.relativize(file));
            return file;                                               // messages name the file as the folder lists it
        } catch (NoSuchFileException e) {
            throw ShearFormatException.of(namedBy, (what.isEmpty() ? "" : "shard " + folder.relativize(file) + " ") + "does not exist",
                    "a file in " + folder, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code <repo>/blobs} for a hub snapshot folder {@code <repo>/snapshots/<revision>}, else null. */
    private static Path hubBlobs(Path realFolder) {
        Path snapshots = realFolder.getParent();
        if (snapshots == null || snapshots.getFileName() == null || !snapshots.getFileName().toString().equals("snapshots")) return null;
        Path blobs = snapshots.resolveSibling("blobs");
        try {
            return Files.isDirectory(blobs) ? blobs.toRealPath() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
