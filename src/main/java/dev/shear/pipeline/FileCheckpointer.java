package dev.shear.pipeline;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.shear.io.CheckpointFile;
import dev.shear.io.ShearFormatException;
import dev.shear.io.ShearJson;
import dev.shear.train.Checkpointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Checkpoints as checksummed files {@code step-000123.ckpt} in one folder; keeps the newest few.
 * With a {@link RunFingerprint}, the folder holds it as {@value RunFingerprint#FILE} and every
 * checkpoint carries its hash: one written by another run is skipped. A corrupt, foreign or unusable
 * newest file is reported and the one before it used.
 */
public final class FileCheckpointer implements Checkpointer {
    private final Path dir;
    private final int keep;
    private final RunFingerprint fingerprint;

    /** Checkpoints of no particular run (benchmarks, tests). */
    public FileCheckpointer(Path dir, int keep) { this(dir, keep, null); }

    public FileCheckpointer(Path dir, int keep, RunFingerprint fingerprint) {
        this.dir = dir;
        this.keep = keep;
        this.fingerprint = fingerprint;
    }

    @Override public void save(State s) {
        Path file = dir.resolve(String.format("step-%09d.ckpt", s.step()));
        Map<String, Object> head = new LinkedHashMap<>();
        head.put("step", s.step());
        if (fingerprint != null) {
            head.put("fingerprint", fingerprint.hash());
            if (!Files.exists(dir.resolve(RunFingerprint.FILE))) fingerprint.write(dir);
        }
        head.put("meta", s.meta());
        CheckpointFile.write(file, ShearJson.string(head), s.tensors());
        // the host copies just written are garbage now; a collection at this pause keeps them from being
        // promoted, which grew the old generation's resident pages by about a checkpoint each time
        System.gc();
        List<Path> all = files();
        for (int i = 0; i < all.size() - keep; i++) {
            try { Files.deleteIfExists(all.get(i)); } catch (IOException ignored) { /* an old checkpoint left behind is harmless */ }
        }
    }

    @Override public Optional<State> latest(Function<State, String> problem) {
        List<Path> all = files();
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                State s = read(all.get(i));
                String why = problem.apply(s);
                if (why == null) return Optional.of(s);
                skipped(all.get(i), why, i);
            } catch (ShearFormatException e) {
                skipped(all.get(i), e.getMessage(), i);
            }
        }
        return Optional.empty();
    }

    private static void skipped(Path file, String why, int older) {
        String detail = why.startsWith(file + ": ") ? why.substring(file.toString().length() + 2) : why;
        System.err.println("shear: skipping checkpoint " + file + ": " + detail
                + (older > 0 ? "; trying the one before" : "; no earlier checkpoint, this stage starts over"));
    }

    /** A checkpoint file as a state, its step, fingerprint and metadata checked before the caller sees it. */
    private State read(Path file) {
        CheckpointFile.Contents c = CheckpointFile.read(file);
        Map<String, Object> head;
        try {
            head = ShearJson.MAPPER.readValue(c.metaJson(), new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new ShearFormatException(file + ": checkpoint metadata is not valid JSON");
        }
        if (!(head.get("step") instanceof Number step) || step.longValue() < 0 || !(head.get("meta") instanceof Map<?, ?>))
            throw new ShearFormatException(file + ": checkpoint metadata lacks its step or meta");
        if (fingerprint != null && !fingerprint.hash().equals(head.get("fingerprint")))
            throw new ShearFormatException(file + ": written by another run (its fingerprint differs from " + RunFingerprint.FILE + ")");
        @SuppressWarnings("unchecked") Map<String, Object> meta = (Map<String, Object>) head.get("meta");
        return new State(step.longValue(), c.tensors(), meta);
    }

    private List<Path> files() {
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            List<Path> out = new ArrayList<>(s.filter(p -> p.getFileName().toString().matches("step-\\d+\\.ckpt")).toList());
            out.sort(Comparator.comparing(p -> p.getFileName().toString()));
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }
}
