package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs are regular files read within their size and a maximum; FIFOs, devices and folders fail at once, in one line. */
class InputFilesTest {
    static String error(Runnable r) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(ShearFormatException.class, r::run)).getMessage();
    }

    static Path fifo(Path dir) throws Exception {
        Path f = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", f.toString()).start().waitFor());
        return f;
    }

    @Test void fifosDevicesAndFoldersAreRefusedWithoutBlocking(@TempDir Path tmp) throws Exception {
        Path fifo = fifo(tmp);
        Path zero = Files.createSymbolicLink(tmp.resolve("zero.txt"), Path.of("/dev/zero"));
        assertEquals(fifo + ": tokenizer is not a regular file (a FIFO, device or socket), expected a regular file",
                error(() -> InputFiles.readAll(fifo, 100, "tokenizer")));
        assertEquals(zero + ": dataset is not a regular file (a FIFO, device or socket), expected a regular file",
                error(() -> InputFiles.readUtf8(zero, "dataset")));
        assertEquals(tmp + ": file is a directory, expected a file", error(() -> InputFiles.open(tmp, "file")));
        assertEquals(tmp.resolve("none") + ": model does not exist", error(() -> InputFiles.sha256(tmp.resolve("none"), "model")));
        error(() -> Llama2cTokenizer.read(fifo));
        error(() -> Safetensors.open(fifo));
        error(() -> JsonFiles.read(fifo));
        error(() -> CheckpointFile.read(zero));
    }

    @Test void readsAreBoundedBeforeAnythingIsAllocated(@TempDir Path tmp) throws Exception {
        Path big = tmp.resolve("big.txt");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(3L << 30);                                          // sparse: no disk, 3 GiB by its size
        }
        assertEquals(big + ": dataset is 3221225472 bytes, expected at most 1073741824 bytes", error(() -> InputFiles.readUtf8(big, "dataset")));
        Path small = Files.write(tmp.resolve("s.bin"), new byte[] {1, 2, 3});
        assertEquals(small + ": file is 3 bytes, expected at most 2 bytes", error(() -> InputFiles.readAll(small, 2, "file")));
        assertArrayEquals(new byte[] {1, 2, 3}, InputFiles.readAll(small, 3, "file"));
    }

    @Test void invalidUtf8IsAnErrorNotReplacementCharacters(@TempDir Path tmp) throws Exception {
        Path bad = Files.write(tmp.resolve("bad.txt"), new byte[] {'h', 'i', (byte) 0xff, (byte) 0xfe});
        assertEquals(bad + ": invalid UTF-8 in dataset, expected UTF-8 text", error(() -> InputFiles.readUtf8(bad, "dataset")));
    }

    /** The streamed hash equals the one-shot digest, and a changed file gets a new hash (the cache keys on size and time). */
    @Test void streamedSha256MatchesTheDigestOfTheBytes(@TempDir Path tmp) throws Exception {
        byte[] data = new byte[3 << 20];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 + 7);
        Path f = Files.write(tmp.resolve("m.bin"), data);
        String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        assertEquals(want, InputFiles.sha256(f, "model"));
        data[5] ^= 1;
        Files.write(f, java.util.Arrays.copyOf(data, data.length + 1));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(java.util.Arrays.copyOf(data, data.length + 1))),
                InputFiles.sha256(f, "model"));
    }
}
