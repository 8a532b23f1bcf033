package dev.shear.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Where a command may write, checked before it reads or computes anything: an output never is,
 * contains or lies inside one of the command's inputs, a report never replaces a model file, and an
 * existing model is replaced only when asked ({@code --force}; even then the new one is written
 * beside it and swapped in, {@link ModelFolder#save}).
 */
public final class OutputPaths {
    /** What an output is, which decides what may already be there. */
    public enum Kind {
        /** A Hugging Face folder: new, empty, or (with force) an earlier model folder. */
        MODEL_FOLDER,
        /** One model file (.gguf, llama2.c .bin): new, or (with force) an earlier file. */
        MODEL_FILE,
        /** A JSON or DOT report: new, or an earlier report; never a model file or a folder. */
        REPORT
    }

    /** A file or folder a command reads; {@code role} names it in messages ("model", "dataset", "reference model"). */
    public record Input(String role, Path path) {
        public Input {
            if (role == null || path == null) throw new IllegalArgumentException("input needs a role and a path");
        }
    }

    private OutputPaths() {}

    /**
     * Fails with one line naming {@code option} unless {@code out} may be written.
     *
     * @param force whether an existing model folder or model file may be replaced
     */
    public static void check(String option, Path out, Kind kind, boolean force, List<Input> inputs) {
        requireApart(option, out, inputs);
        if (!Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        boolean dir = Files.isDirectory(out);
        switch (kind) {
            case REPORT -> {
                if (dir) throw new IllegalArgumentException(option + " " + out + " is a folder, expected a file path");
                if (isModelFile(out))
                    throw new IllegalArgumentException(option + " " + out + " is a model file; a report never replaces one, choose another path");
            }
            case MODEL_FILE -> {
                if (dir) throw new IllegalArgumentException(option + " " + out + " is a folder, expected a file path");
                if (!force) throw new IllegalArgumentException(option + " " + out + " already exists; add --force to replace it");
            }
            case MODEL_FOLDER -> {
                if (!dir) throw new IllegalArgumentException(option + " " + out + " is a file, expected a folder");
                if (holdsModel(out)) {
                    if (!force) throw new IllegalArgumentException(option + " " + out + " already holds a model; add --force to replace it "
                            + "(the new one is written beside it, then swapped in)");
                } else if (!isEmpty(out)) {
                    throw new IllegalArgumentException(option + " " + out + " is a folder that is not empty and holds no model, expected a new "
                            + "or empty folder");
                }
            }
        }
    }

    /** Fails unless {@code out} is apart from every input: not the same, not inside one, not holding one. */
    public static void requireApart(String option, Path out, List<Input> inputs) {
        Path o = canonical(out);
        for (Input in : inputs) {
            Path i = canonical(in.path());
            if (o.equals(i))
                throw new IllegalArgumentException(option + " " + out + " is the input " + in.role() + "; inputs are never written over, choose another path");
            if (o.startsWith(i))
                throw new IllegalArgumentException(option + " " + out + " lies inside the input " + in.role() + " " + in.path()
                        + "; outputs never go inside an input, choose another path");
            if (i.startsWith(o))
                throw new IllegalArgumentException(option + " " + out + " contains the input " + in.role() + " " + in.path()
                        + "; replacing it would delete that input, choose another path");
        }
    }

    /** A folder that holds a model's config or weights. */
    public static boolean holdsModel(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> {
                String n = p.getFileName().toString();
                return n.equals(HfConfigJson.FILE) || n.endsWith(".safetensors") || n.equals(Safetensors.INDEX_FILE);
            });
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    /** Weights, model configs and tokenizers, by name: what a report path must never be. */
    static boolean isModelFile(Path f) {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".gguf") || n.endsWith(".pt") || n.endsWith(".pth")
                || n.endsWith(".ckpt") || n.endsWith(".model") || n.equals(HfConfigJson.FILE) || n.startsWith("tokenizer")
                || n.equals("special_tokens_map.json") || n.equals(Safetensors.INDEX_FILE) || n.equals("generation_config.json");
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    /**
     * The path with symlinks resolved as far as it exists, then the rest normalised, so two spellings
     * of one place compare equal ("m", "./m", "/abs/m", a symlinked parent).
     */
    static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return abs;
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            return abs;
        }
    }
}
