package dev.shear.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Mutated and truncated files must either load or fail with {@link ShearFormatException}:
 * never another exception, never an allocation the file size does not justify.
 */
class HostileInputTest {
    private static Path dir;
    private static byte[] safetensors, llama2c, tokenizer, checkpoint;

    @BeforeContainer static void valid() throws Exception {
        dir = Files.createTempDirectory("shear-hostile");
        Path st = dir.resolve("valid.safetensors");
        Safetensors.write(st, SafetensorsTest.sample(), name -> name.startsWith("a") ? SafetensorsDType.BF16 : SafetensorsDType.F16);
        safetensors = Files.readAllBytes(st);
        llama2c = Fixtures.llama2c(8, 12, 1, 2, 1, -6, 2, 11);
        List<String> pieces = new java.util.ArrayList<>(List.of("<unk>", "\n<s>\n", "\n</s>\n"));
        for (int b = 0; b < 256; b++) pieces.add(String.format("<0x%02X>", b));
        pieces.addAll(List.of(" ", "a", "b", "ab", " ab"));
        float[] scores = new float[pieces.size()];
        for (int i = 0; i < scores.length; i++) scores[i] = -i;
        Llama2cTokenizer.of(pieces, scores, "tiny").write(dir.resolve("tok.bin"));
        tokenizer = Files.readAllBytes(dir.resolve("tok.bin"));
        java.util.Map<String, dev.shear.engine.HostTensor> t = new java.util.LinkedHashMap<>();
        t.put("a", dev.shear.engine.HostTensor.of(Fixtures.randomFloats(12, 1), 3, 4));
        t.put("base/model.norm.weight", dev.shear.engine.HostTensor.of(Fixtures.randomFloats(5, 2), 5));
        CheckpointFile.write(dir.resolve("c.ckpt"), "{\"step\": 4, \"meta\": {}}", t);
        checkpoint = Files.readAllBytes(dir.resolve("c.ckpt"));
    }

    @AfterContainer static void cleanUp() { FolderSwap.deleteRecursively(dir); }

    sealed interface Mutation permits Flip, PutInt, Truncate, Append {}

    /** {@code at} is a fraction of the file, or of its first 64 bytes when {@code head}. */
    record Flip(double at, boolean head, byte value) implements Mutation {}

    record PutInt(double at, boolean head, int value) implements Mutation {}

    record Truncate(double keep) implements Mutation {}

    record Append(byte[] bytes) implements Mutation {}

    @Provide Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Double> at = Arbitraries.doubles().between(0, 1);
        Arbitrary<Boolean> head = Arbitraries.of(true, false);
        Arbitrary<Integer> ints = Arbitraries.oneOf(Arbitraries.integers(),
                Arbitraries.of(0, -1, 1, 2, 3, 7, 1 << 16, 1 << 24, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x616b3432));
        Arbitrary<Mutation> flip = Combinators.combine(at, head, Arbitraries.bytes()).as(Flip::new);
        Arbitrary<Mutation> putInt = Combinators.combine(at, head, ints).as(PutInt::new);
        Arbitrary<Mutation> truncate = at.map(Truncate::new);
        Arbitrary<Mutation> append = Arbitraries.bytes().array(byte[].class).ofMaxSize(16).map(Append::new);
        return Arbitraries.oneOf(flip, putInt, truncate, append).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide Arbitrary<String> jsonNumbers() {
        return Arbitraries.oneOf(Arbitraries.of("0", "-1", "1", "3", "8", "18446744073709551615", "9223372036854775807",
                "4294967296", "1e308", "2.5", "-0", "99999999999999999999999999"), Arbitraries.longs().map(v -> Long.toString(v)));
    }

    @Property(tries = 200)
    void safetensorsReaderFailsOnlyWithFormatErrors(@ForAll("mutations") List<Mutation> mutations,
                                                    @ForAll("jsonNumbers") String number, @ForAll int numberSlot) throws Exception {
        byte[] bytes = apply(replaceHeaderNumber(safetensors, numberSlot, number), mutations);
        Path f = write("st.safetensors", bytes);
        expectLoadOrFormatError(() -> {
            try (SafetensorsFile s = Safetensors.open(f)) {
                for (String name : s.tensors().keySet()) s.read(name);
            }
        });
    }

    @Property(tries = 200)
    void llama2cReaderFailsOnlyWithFormatErrors(@ForAll("mutations") List<Mutation> mutations) throws Exception {
        Path f = write("model.bin", apply(llama2c, mutations));
        expectLoadOrFormatError(() -> Llama2cCheckpoint.read(f));
    }

    @Property(tries = 200)
    void tokenizerReaderFailsOnlyWithFormatErrors(@ForAll("mutations") List<Mutation> mutations) throws Exception {
        Path f = write("tok.bin", apply(tokenizer, mutations));
        expectLoadOrFormatError(() -> Llama2cTokenizer.read(f, 264).encode("ab ba\u00e9\uD83D\uDE00", true, true));
        expectLoadOrFormatError(() -> Llama2cTokenizer.read(f).encode("abab", true, true));
    }

    /**
     * The checksum detects damage, not tampering: bytes changed together with it reach the parser,
     * which must still fail in one line before allocating what the file cannot hold.
     */
    @Property(tries = 200)
    void checkpointReaderFailsOnlyWithFormatErrorsEvenWithTheChecksumFixed(@ForAll("mutations") List<Mutation> mutations) throws Exception {
        byte[] body = apply(Arrays.copyOf(checkpoint, checkpoint.length - 32), mutations);
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(body);
        byte[] file = Arrays.copyOf(body, body.length + 32);
        System.arraycopy(digest, 0, file, body.length, 32);
        Path f = write("c.ckpt", file);
        expectLoadOrFormatError(() -> CheckpointFile.read(f));
        Path torn = write("torn.ckpt", apply(checkpoint, mutations));
        expectLoadOrFormatError(() -> CheckpointFile.read(torn));
    }

    private static void expectLoadOrFormatError(Runnable load) {
        try {
            load.run();
        } catch (ShearFormatException expected) {
            if (expected.getMessage().contains("\n") || !expected.getMessage().contains("expected"))
                throw new AssertionError("not a one-line message with an expectation: " + expected.getMessage(), expected);
        }
    }

    private static Path write(String name, byte[] bytes) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private static byte[] apply(byte[] original, List<Mutation> mutations) {
        byte[] b = original.clone();
        for (Mutation m : mutations) {
            if (m instanceof Flip flip && b.length > 0) b[index(b, flip.at(), flip.head())] = flip.value();
            else if (m instanceof PutInt put && b.length >= 4)
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(index(b, put.at(), put.head()) / 4 * 4 % (b.length - 3), put.value());
            else if (m instanceof Truncate t) b = Arrays.copyOf(b, (int) (b.length * t.keep()));
            else if (m instanceof Append a) {
                byte[] longer = Arrays.copyOf(b, b.length + a.bytes().length);
                System.arraycopy(a.bytes(), 0, longer, b.length, a.bytes().length);
                b = longer;
            }
        }
        return b;
    }

    private static int index(byte[] b, double at, boolean head) {
        int span = head ? Math.min(64, b.length) : b.length;
        return Math.min(span - 1, (int) (at * span));
    }

    /** Rewrites one number of the JSON header and fixes the length prefix, so the data offsets stay put. */
    private static byte[] replaceHeaderNumber(byte[] file, int slot, String value) {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) in.getLong(0);
        String header = new String(file, 8, n, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\\d+").matcher(header);
        List<int[]> spans = new java.util.ArrayList<>();
        while (m.find()) spans.add(new int[] {m.start(), m.end()});
        int[] s = spans.get(Math.floorMod(slot, spans.size()));
        byte[] h = (header.substring(0, s[0]) + value + header.substring(s[1])).getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + file.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(file, 8 + n, file.length - 8 - n).array();
    }

}
