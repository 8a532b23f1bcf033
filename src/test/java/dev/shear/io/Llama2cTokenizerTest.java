package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {
    @TempDir Path tmp;

    static Llama2cTokenizer tok512() { return Llama2cTokenizer.read(TestData.tok512(), 512); }

    @Test void encodesLikeRunC() {
        Llama2cTokenizer t = tok512();
        // ids from an independent run.c-style encoder (quadratic loop) over tok512.bin
        assertArrayEquals(new int[] {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 2},
                t.encode("Once upon a time, there was a little girl named Lily.", true, true));
        assertArrayEquals(new int[] {1, 317, 439, 419, 357, 336, 432, 313, 438, 310, 432, 278, 316, 439, 419, 298, 414, 267, 265,
                282, 295, 433, 443, 436, 2}, t.encode("Lily's mom said, \"Lily, let's go to the park!\"", true, true));
        assertArrayEquals(new int[] {1, 297, 412, 198, 178, 360, 280, 412, 431, 485, 410, 476, 410, 465, 456, 425, 309, 266, 466, 410,
                243, 162, 155, 131, 2}, t.encode("naïve café – “quoted” 😀", true, true));
    }

    @Test void decodeInvertsEncode() {
        Llama2cTokenizer t = tok512();
        for (String s : List.of("Once upon a time", "Hello  world", " leading space", "tabs\tand\nnewlines", "naïve 😀 ☃")) {
            assertEquals(s, t.decode(t.encode(s, true, true)), s);
            assertEquals(s, t.decode(t.encode(s, false, false)), s);
        }
        assertArrayEquals(new int[0], t.encode("", false, false));
        assertArrayEquals(new int[] {1, 2}, t.encode("", true, true));
    }

    @Test void handCheckedMergeOrder() {
        // "aba": pairs "ab" and "ba" both score -1: run.c takes the leftmost, then " " + "ab" (-2)
        Llama2cTokenizer t = tiny(Map.of(" ", -10f, "a", -10f, "b", -10f, "ab", -1f, "ba", -1f, " ab", -2f));
        int sp = 259, a = 260, b = 261, ab = 262, ba = 263, spAb = 264;
        assertArrayEquals(new int[] {spAb, a}, t.encode("aba", false, false));
        assertArrayEquals(new int[] {1, spAb, ab, 2}, t.encode("abab", true, true));
        assertArrayEquals(new int[] {sp, ba, b}, t.encode("bab", false, false), "ba and ab tie: the left pair wins");
    }

    @Test void bytesFallBackForUnknownCharacters() {
        Llama2cTokenizer t = tok512();
        // U+1F600 is F0 9F 98 80: ids byte + 3, after the dummy-prefix space (410)
        assertArrayEquals(new int[] {410, 0xF0 + 3, 0x9F + 3, 0x98 + 3, 0x80 + 3}, t.encode("😀", false, false));
        assertEquals("😀", t.decode(new int[] {410, 243, 162, 155, 131}));
        assertArrayEquals(new byte[] {(byte) 0xF0}, t.decodePieceBytes(410, 243));
    }

    @Test void invalidUtf8IsEncodedByteWise() {
        Llama2cTokenizer t = tok512();
        byte[] bad = {(byte) 0xFF, 'a', (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0xE2};
        int[] ids = t.encodeUtf8(bad, true, false);
        assertEquals(1, ids[0]);
        assertTrue(Arrays.stream(ids).allMatch(i -> i >= 0 && i < 512));
        assertArrayEquals(naive(t, bad, true, false), ids);
        assertDoesNotThrow(() -> t.encode("lone \uD800 surrogate", true, true));
    }

    @Test void decodePieceFollowsRunC() {
        Llama2cTokenizer t = tok512();
        assertEquals("Once", t.decodePiece(1, 403));
        assertEquals(" Once", t.decodePiece(407, 403));
        assertEquals("\n", t.decodePiece(403, '\n' + 3));
        assertEquals(" ", t.decodePiece(403, 410));
        assertEquals("", t.decodePiece(1, 410));
        assertThrows(IllegalArgumentException.class, () -> t.decodePiece(1, 512));
    }

    @Test void heapMergeEqualsRunCQuadraticLoop() throws Exception {
        Llama2cTokenizer t = tok512();
        List<String> lines = Files.readAllLines(TestData.file("tinystories/tinystories_valid_head.txt"));
        for (String line : lines.subList(0, 300)) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(naive(t, b, true, false), t.encodeUtf8(b, true, false), line);
        }
        Random r = new Random(7);
        for (int n = 0; n < 300; n++) {
            byte[] b = new byte[r.nextInt(40)];
            for (int i = 0; i < b.length; i++) b[i] = r.nextInt(3) == 0 ? (byte) r.nextInt(256) : (byte) " abehlnot".charAt(r.nextInt(9));
            assertArrayEquals(naive(t, b, false, true), t.encodeUtf8(b, false, true), Arrays.toString(b));
        }
    }

    @Test void describesItself() {
        Llama2cTokenizer t = tok512();
        assertEquals("llama2.c tok512.bin, 512 tokens", t.describe());
        assertEquals(512, t.vocabSize());
        assertEquals(1, t.bosId());
        assertEquals(2, t.eosId());
        assertEquals(7, t.maxTokenLength());
    }

    @Test void writeReproducesTheFile() throws Exception {
        Path out = tmp.resolve("tok512.bin");
        tok512().write(out);
        assertArrayEquals(Files.readAllBytes(TestData.tok512()), Files.readAllBytes(out));
    }

    @Test void truncatedOrMismatchedFilesAreFormatErrors() throws Exception {
        byte[] ok = Files.readAllBytes(TestData.tok512());
        Path f = tmp.resolve("tok.bin");
        for (int cut : new int[] {2, 4, 100, ok.length - 1, ok.length - 20}) {
            Files.write(f, Arrays.copyOf(ok, cut));
            assertThrows(ShearFormatException.class, () -> Llama2cTokenizer.read(f, 512), "cut at " + cut);
        }
        Files.write(f, ok);
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> Llama2cTokenizer.read(f, 500));
        assertTrue(e.getMessage().contains("expected the file to end after 500 tokens"), e.getMessage());
        Files.write(f, Arrays.copyOf(ok, ok.length + 3));
        assertThrows(ShearFormatException.class, () -> Llama2cTokenizer.read(f));
    }

    /** A vocab of unk, BOS, EOS, 256 byte tokens, then the given pieces in insertion order of a sorted copy. */
    private static Llama2cTokenizer tiny(Map<String, Float> extra) {
        List<String> pieces = new ArrayList<>(List.of("<unk>", "\n<s>\n", "\n</s>\n"));
        for (int b = 0; b < 256; b++) pieces.add(String.format("<0x%02X>", b));
        List<String> order = List.of(" ", "a", "b", "ab", "ba", " ab");
        float[] scores = new float[pieces.size() + order.size()];
        for (String p : order) {
            scores[pieces.size()] = extra.get(p);
            pieces.add(p);
        }
        return Llama2cTokenizer.of(pieces, scores, "tiny");
    }

    /** run.c encode() transcribed literally: the quadratic merge loop. */
    static int[] naive(Llama2cTokenizer t, byte[] text, boolean bos, boolean eos) {
        Map<String, Integer> lookup = new HashMap<>();
        for (int i = t.vocabSize() - 1; i >= 0; i--) lookup.put(latin1(t.pieceBytes(i)), i);
        List<Integer> tokens = new ArrayList<>();
        if (bos) tokens.add(1);
        if (text.length > 0) tokens.add(lookup.get(" "));
        StringBuilder buf = new StringBuilder();
        for (int i = 0; i < text.length; i++) {
            if ((text[i] & 0xC0) != 0x80) buf.setLength(0);
            buf.append((char) (text[i] & 0xFF));
            if (i + 1 < text.length && (text[i + 1] & 0xC0) == 0x80 && buf.length() < 4) continue;
            Integer id = lookup.get(buf.toString());
            if (id != null) tokens.add(id);
            else for (int k = 0; k < buf.length(); k++) tokens.add(buf.charAt(k) + 3);
            buf.setLength(0);
        }
        while (true) {
            float best = -1e10f;
            int bestId = -1, bestIdx = -1;
            for (int i = 0; i + 1 < tokens.size(); i++) {
                Integer id = lookup.get(latin1(t.pieceBytes(tokens.get(i))) + latin1(t.pieceBytes(tokens.get(i + 1))));
                if (id != null && t.score(id) > best) {
                    best = t.score(id);
                    bestId = id;
                    bestIdx = i;
                }
            }
            if (bestIdx == -1) break;
            tokens.set(bestIdx, bestId);
            tokens.remove(bestIdx + 1);
        }
        if (eos) tokens.add(2);
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String latin1(byte[] b) { return new String(b, StandardCharsets.ISO_8859_1); }
}
