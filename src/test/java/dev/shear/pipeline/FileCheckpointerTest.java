package dev.shear.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.HostTensor;
import dev.shear.train.Checkpointer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A corrupt or torn newest checkpoint is detected by its checksum and the one before it is used. */
class FileCheckpointerTest {
    static Checkpointer.State state(long step) {
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) v[i] = step * 1000 + i;
        return new Checkpointer.State(step, Map.of("w", new HostTensor(new long[] {10, 100}, v)), Map.of("losses", List.of(step * 0.5)));
    }

    static Path file(Path dir, long step) { return dir.resolve(String.format("step-%09d.ckpt", step)); }

    static void assertIsState(long step, Checkpointer.State got) {
        assertEquals(step, got.step());
        assertArrayEquals(state(step).tensors().get("w").data(), got.tensors().get("w").data(), 0f);
        assertEquals(List.of(step * 0.5), got.meta().get("losses"));
    }

    @Test void newestIntactCheckpointIsUsed(@TempDir Path dir) {
        FileCheckpointer c = new FileCheckpointer(dir, 2);
        for (long s = 2; s <= 6; s += 2) c.save(state(s));
        assertEquals(List.of(file(dir, 4).getFileName(), file(dir, 6).getFileName()), listed(dir), "keeps the newest two");
        assertIsState(6, c.latest().orElseThrow());
    }

    @Test void aFlippedByteFallsBackToThePreviousCheckpoint(@TempDir Path dir) throws IOException {
        FileCheckpointer c = new FileCheckpointer(dir, 2);
        c.save(state(2));
        c.save(state(4));
        try (RandomAccessFile f = new RandomAccessFile(file(dir, 4).toFile(), "rw")) {
            f.seek(f.length() / 2);                                   // inside the tensor data
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x10);
        }
        assertIsState(2, c.latest().orElseThrow());
    }

    @Test void aTornCheckpointFallsBackAndTwoBadOnesGiveNone(@TempDir Path dir) throws IOException {
        FileCheckpointer c = new FileCheckpointer(dir, 2);
        c.save(state(2));
        c.save(state(4));
        byte[] all = Files.readAllBytes(file(dir, 4));
        Files.write(file(dir, 4), java.util.Arrays.copyOf(all, all.length / 3));      // a write cut short
        assertIsState(2, c.latest().orElseThrow());
        Files.write(file(dir, 2), new byte[0]);
        assertTrue(c.latest().isEmpty(), "no intact checkpoint: start from scratch");
    }

    static List<Path> listed(Path dir) {
        try (var s = Files.list(dir)) {
            return s.map(Path::getFileName).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
