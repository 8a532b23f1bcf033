package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.Example;

/**
 * GGUF files that lie must fail with a one-line {@link ShearFormatException}: counts, lengths and
 * offsets are checked against the file size before anything is allocated or read.
 */
class GgufHostileInputTest {
    private static Path dir;
    private static byte[] valid;

    @BeforeContainer static void writeValid() throws Exception {
        dir = Files.createTempDirectory("shear-gguf-hostile");
        Path f = dir.resolve("valid.gguf");
        GgufExport.write(GgufRoundTripTest.prunedLike(1), GgufRoundTripTest.tinyTokenizer(300), GgufArch.DECI, GgufExport.Dtype.F16, f);
        valid = Files.readAllBytes(f);
    }

    @AfterContainer static void cleanUp() { FolderSwap.deleteRecursively(dir); }

    record Mutation(double at, boolean head, int kind, long value) {}

    @Provide Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Long> values = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(0L, -1L, 1L, 2L, 3L, 8L, 9L, 31L, 33L,
                1L << 31, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, 0xFFFFFFFFL));
        return Combinators.combine(Arbitraries.doubles().between(0, 1), Arbitraries.of(true, false), Arbitraries.integers().between(0, 3), values)
                .as(Mutation::new).list().ofMinSize(1).ofMaxSize(3);
    }

    /** kind 0: one byte, 1: an int32, 2: an int64 (header-heavy when head), 3: truncate. */
    static byte[] apply(byte[] original, List<Mutation> mutations) {
        byte[] b = original.clone();
        for (Mutation m : mutations) {
            int span = m.head() ? Math.min(4096, b.length) : b.length;
            int at = Math.min(span - 1, (int) (m.at() * span));
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if (m.kind() == 0 && b.length > 0) b[at] = (byte) m.value();
            else if (m.kind() == 1 && b.length >= 4) buf.putInt(Math.min(at, b.length - 4), (int) m.value());
            else if (m.kind() == 2 && b.length >= 8) buf.putLong(Math.min(at, b.length - 8), m.value());
            else if (m.kind() == 3) b = Arrays.copyOf(b, (int) (b.length * m.at()));
        }
        return b;
    }

    @Property(tries = 300)
    void mutatedFilesLoadOrFailWithFormatErrors(@ForAll("mutations") List<Mutation> mutations) throws Exception {
        Path f = dir.resolve("m.gguf");
        Files.write(f, apply(valid, mutations));
        expectLoadOrFormatError(() -> ModelFolder.load(f));
        expectLoadOrFormatError(() -> ModelFolder.loadTokenizer(f, null).encode("ab é", true, false));
    }

    private static void expectLoadOrFormatError(Runnable load) {
        try {
            load.run();
        } catch (ShearFormatException expected) {
            if (expected.getMessage().contains("\n") || !expected.getMessage().contains("expected"))
                throw new AssertionError("not a one-line message with an expectation: " + expected.getMessage(), expected);
        }
    }

    // ---- hand-made headers ------------------------------------------------------------------------

    /** Little-endian GGUF header pieces. */
    static final class Bytes {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u32(long v) { return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v)); }

        Bytes u64(long v) { return put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v)); }

        Bytes str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            out.writeBytes(b);
            return this;
        }

        Bytes raw(byte... b) {
            out.writeBytes(b);
            return this;
        }

        Bytes header(long tensors, long kvs) { return u32(GgufFile.MAGIC).u32(3).u64(tensors).u64(kvs); }

        private Bytes put(ByteBuffer b) {
            out.writeBytes(b.array());
            return this;
        }

        /** Fails to open, with 256 zero bytes appended so that counts pass the file-size bound and deeper checks run. */
        String fail() throws Exception {
            out.writeBytes(new byte[256]);
            return failAsIs();
        }

        String failAsIs() throws Exception {
            Path f = dir.resolve("h.gguf");
            Files.write(f, out.toByteArray());
            ShearFormatException e = assertThrows(ShearFormatException.class, () -> GgufFile.open(f));
            assertTrue(e.getMessage().contains("expected") && !e.getMessage().contains("\n"), e.getMessage());
            return e.getMessage();
        }
    }

    static void contains(String message, String part) { assertTrue(message.contains(part), message); }

    @Example void badMagicVersionAndCounts() throws Exception {
        contains(new Bytes().u32(0x12345678).u32(3).u64(0).u64(0).fail(), "magic");
        contains(new Bytes().u32(GgufFile.MAGIC).u32(1).u64(0).u64(0).fail(), "version 1");
        contains(new Bytes().header(Long.MAX_VALUE, 0).fail(), "tensor count");
        contains(new Bytes().header(0, 1L << 40).fail(), "metadata count");
        contains(new Bytes().u32(GgufFile.MAGIC).u32(3).failAsIs(), "truncated");
    }

    @Example void lyingStringsAndArrays() throws Exception {
        contains(new Bytes().header(0, 1).u64(1L << 60).fail(), "key 0 length");
        contains(new Bytes().header(0, 1).str("k").u32(8).u64(Long.MAX_VALUE).fail(), "length");
        contains(new Bytes().header(0, 1).str("k").u32(9).u32(4).u64(1L << 40).fail(), "array length");
        contains(new Bytes().header(0, 1).str("k").u32(9).u32(9).u64(1).fail(), "nested");
        contains(new Bytes().header(0, 1).str("k").u32(13).fail(), "value type 13");
        contains(new Bytes().header(0, 1).u64(2).raw((byte) 0xC3, (byte) 0x28).u32(4).u32(1).fail(), "UTF-8");
        contains(new Bytes().header(0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(1).fail(), "duplicate metadata key");
        contains(new Bytes().header(0, 1).str("k").u32(7).raw((byte) 2).fail(), "bool byte 2");
        contains(new Bytes().header(0, 1).str("general.alignment").u32(4).u32(48).fail(), "alignment");
    }

    @Example void lyingTensorDirectory() throws Exception {
        contains(new Bytes().header(1, 0).str("t").u32(5).fail(), "5 dimensions");
        contains(new Bytes().header(1, 0).str("t").u32(1).u64(0).u32(0).u64(0).fail(), "dimension 0 is 0");
        contains(new Bytes().header(1, 0).str("t").u32(2).u64(1L << 31).u64(1L << 31).u32(0).u64(0).fail(), "dimension");
        contains(new Bytes().header(1, 0).str("t").u32(1).u64(4).u32(3).u64(0).fail(), "ggml type 3");
        contains(new Bytes().header(1, 0).str("t").u32(1).u64(4).u32(2).u64(0).fail(), "whole blocks of 32");
        contains(new Bytes().header(1, 0).str("t").u32(1).u64(1024).u32(12).u64(0).fail(), "truncated file");   // 4 Q4_K blocks, 576 bytes
        contains(new Bytes().header(1, 0).str("t").u32(1).u64(4).u32(0).u64(8).raw(new byte[64]).fail(), "multiple of 32");
        contains(new Bytes().header(1, 0).str("t").u32(1).u64(1000).u32(0).u64(0).raw(new byte[64]).fail(), "truncated file");
        contains(new Bytes().header(2, 0).str("a").u32(1).u64(16).u32(0).u64(0).str("b").u32(1).u64(16).u32(0).u64(32)
                .raw(new byte[128]).fail(), "overlaps");
        contains(new Bytes().header(2, 0).str("a").u32(1).u64(4).u32(0).u64(0).str("a").u32(1).u64(4).u32(0).u64(32)
                .raw(new byte[128]).fail(), "duplicate tensor");
    }

    @Example void wrongModelContentsFailAtLoad() throws Exception {
        Path f = dir.resolve("mismatch.gguf");
        GgufExport.write(GgufRoundTripTest.prunedLike(2), null, GgufArch.DECI, GgufExport.Dtype.F32, f);
        byte[] b = Files.readAllBytes(f);
        // the per-layer MLP array says 7 for layer 1; make it 8 so the stored tensors no longer fit the config
        byte[] from = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(24).putInt(7).putInt(1).putInt(40).array();
        int at = indexOf(b, from);
        assertTrue(at > 0, "MLP array not found");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at + 4, 8);
        Files.write(f, b);
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> ModelFolder.load(f));
        contains(e.getMessage(), "blk.1.ffn_gate.weight");
        assertThrows(ShearFormatException.class, () -> ModelFolder.loadTokenizer(f, null), "no tokenizer in the file");
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
