package dev.shear.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.HostTensor;
import dev.shear.io.CheckpointFile;
import dev.shear.io.ShearFormatException;
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

    /** Rewrites a checkpoint's body with {@code edit} and puts the matching SHA-256 at its end, as a tamperer would. */
    static void tamper(Path f, java.util.function.Consumer<java.nio.ByteBuffer> edit) throws Exception {
        byte[] all = Files.readAllBytes(f);
        java.nio.ByteBuffer body = java.nio.ByteBuffer.wrap(all, 0, all.length - 32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        edit.accept(body);
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(java.util.Arrays.copyOf(all, all.length - 32));
        System.arraycopy(digest, 0, all, all.length - 32, 32);
        Files.write(f, all);
    }

    /** The byte offset of the first tensor's first dimension: after magic, version, the metadata and the count and name. */
    static int firstDimension(Path f) throws Exception {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(f)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int at = 8;
        at += 4 + b.getInt(at);                                        // metadata
        at += 4;                                                       // tensor count
        at += 4 + b.getInt(at);                                        // first name
        return at + 4;                                                 // rank
    }

    @Test void aHugeTensorWithAFixedChecksumFallsBackInsteadOfAllocating(@TempDir Path dir) throws Exception {
        FileCheckpointer c = new FileCheckpointer(dir, 2);
        c.save(state(2));
        c.save(state(4));
        int at4 = firstDimension(file(dir, 4)), at2 = firstDimension(file(dir, 2));
        tamper(file(dir, 4), b -> b.putLong(at4, 1L << 40));                  // 2^40 x 100 floats in a 4 KB file
        assertIsState(2, c.latest().orElseThrow());
        assertEquals(file(dir, 4) + ": tensor w [1099511627776, 100] runs past the end of the file, expected at most 1000 values left",
                assertThrows(ShearFormatException.class, () -> CheckpointFile.read(file(dir, 4))).getMessage());
        tamper(file(dir, 2), b -> b.putLong(at2, -3));
        assertTrue(c.latest().isEmpty(), "no usable checkpoint: the stage starts over");
    }

    /** A checkpoint that fits the file but not the run (another model's shapes), or that another run wrote, is skipped. */
    @Test void aCheckpointOfAnotherRunOrModelIsSkipped(@TempDir Path dir) {
        RunFingerprint mine = new RunFingerprint(Map.of("prune.ratio", "0.2"), Map.of("model", "ab"));
        RunFingerprint other = new RunFingerprint(Map.of("prune.ratio", "0.3"), Map.of("model", "ab"));
        new FileCheckpointer(dir, 3, mine).save(state(2));
        new FileCheckpointer(dir, 3, other).save(state(4));
        assertIsState(2, new FileCheckpointer(dir, 3, mine).latest().orElseThrow());
        new FileCheckpointer(dir, 3, mine).save(state(6));
        Map<String, long[]> shapes = Map.of("w", new long[] {10, 100});
        assertIsState(6, new FileCheckpointer(dir, 3, mine).latest(s -> Checkpointer.mismatch(s, shapes)).orElseThrow());
        Map<String, long[]> otherModel = Map.of("w", new long[] {20, 50});
        assertTrue(new FileCheckpointer(dir, 3, mine).latest(s -> Checkpointer.mismatch(s, otherModel)).isEmpty());
        assertEquals("w is [10, 100], expected [20, 50]", Checkpointer.mismatch(state(2), otherModel));
        assertEquals("it has no tensor v, expected one of shape [3]", Checkpointer.mismatch(state(2), Map.of("v", new long[] {3})));
        assertEquals("prune.ratio 0.2 -> 0.3", other.changesSince(mine));
    }

    static List<Path> listed(Path dir) {
        try (var s = Files.list(dir)) {
            return s.map(Path::getFileName).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
