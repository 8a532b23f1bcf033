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
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checkpoints as checksummed files {@code step-000123.ckpt} in one folder; keeps the newest few.
 * A corrupt newest file is reported and the one before it used.
 */
public final class FileCheckpointer implements Checkpointer {
    private final Path dir;
    private final int keep;

    public FileCheckpointer(Path dir, int keep) {
        this.dir = dir;
        this.keep = keep;
    }

    @Override public void save(State s) {
        Path file = dir.resolve(String.format("step-%09d.ckpt", s.step()));
        CheckpointFile.write(file, ShearJson.string(Map.of("step", s.step(), "meta", s.meta())), s.tensors());
        // the host copies just written are garbage now; a collection at this pause keeps them from being
        // promoted, which grew the old generation's resident pages by about a checkpoint each time
        System.gc();
        List<Path> all = files();
        for (int i = 0; i < all.size() - keep; i++) {
            try { Files.deleteIfExists(all.get(i)); } catch (IOException ignored) { /* an old checkpoint left behind is harmless */ }
        }
    }

    @Override public Optional<State> latest() {
        List<Path> all = files();
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                CheckpointFile.Contents c = CheckpointFile.read(all.get(i));
                Map<String, Object> m = ShearJson.MAPPER.readValue(c.metaJson(), new TypeReference<Map<String, Object>>() {});
                @SuppressWarnings("unchecked") Map<String, Object> meta = (Map<String, Object>) m.get("meta");
                return Optional.of(new State(((Number) m.get("step")).longValue(), c.tensors(), meta));
            } catch (ShearFormatException | IOException e) {
                System.err.println("shear: skipping checkpoint " + all.get(i) + ": " + e.getMessage());
            }
        }
        return Optional.empty();
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
