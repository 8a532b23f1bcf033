package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
    @TempDir static Path dir;
    static Llama2cTokenizer llama2c;
    static HfTokenizer hf;

    @BeforeAll static void export() {
        llama2c = Llama2cTokenizer.read(TestData.tok512(), 512);
        HfTokenizer.writeForLlama2c(llama2c, dir);
        hf = HfTokenizer.load(dir);
    }

    @AfterAll static void close() { if (hf != null) hf.close(); }

    @Test void exportedTokenizerEncodesTinyStoriesLikeLlama2c() throws Exception {
        List<String> lines = Files.readAllLines(TestData.file("tinystories/tinystories_valid_head.txt")).stream()
                .filter(l -> !l.isBlank()).limit(200).toList();
        assertEquals(200, lines.size());
        for (String line : lines) {
            int[] expected = llama2c.encode(line, true, false);
            assertArrayEquals(expected, hf.encode(line, true, false), line);
            assertEquals(llama2c.decode(expected), hf.decode(expected), line);
        }
    }

    @Test void edgeCasesEncodeAlike() {
        for (String s : List.of("", " ", "  two leading", "trailing ", "a😀b", "naïve café – “quoted”", "line\nbreak\ttab",
                "ÆØÅ ☃ 中文", "<0x41> is text")) {
            assertArrayEquals(llama2c.encode(s, true, true), hf.encode(s, true, true), s);
            assertEquals(llama2c.decode(llama2c.encode(s, true, true)), hf.decode(hf.encode(s, true, true)), s);
        }
    }

    @Test void longTextIsNotTruncated() throws Exception {
        String text = String.join(" ", Files.readAllLines(TestData.file("tinystories/tinystories_valid_head.txt")).subList(0, 120));
        int[] ids = llama2c.encode(text, false, false);
        assertTrue(ids.length > 4000, "length " + ids.length);
        assertArrayEquals(ids, hf.encode(text, false, false));
    }

    @Test void specialTokensAndSizeComeFromTheJson() {
        assertEquals(512, hf.vocabSize());
        assertEquals(1, hf.bosId());
        assertEquals(2, hf.eosId());
        assertTrue(hf.describe().startsWith("Hugging Face "), hf.describe());
        assertEquals(1, hf.encode("x", true, false)[0]);
        assertEquals(2, hf.encode("x", false, true)[hf.encode("x", false, true).length - 1]);
    }

    @Test void decodePieceStreamsText() {
        int[] ids = llama2c.encode("Once upon a time", true, false);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < ids.length; i++) sb.append(hf.decodePiece(ids[i - 1], ids[i]));
        assertEquals("Once upon a time", sb.toString());
        assertEquals(" upon", hf.decodePiece(403, 407));
        assertEquals("Once", hf.decodePiece(1, 403));
    }

    @Test void writesStockTokenizerFiles() throws Exception {
        String json = Files.readString(dir.resolve("tokenizer.json"));
        assertTrue(json.contains("\"byte_fallback\" : true"), "byte fallback");
        assertTrue(json.contains("\"Prepend\""), "dummy prefix");
        assertTrue(Files.readString(dir.resolve("tokenizer_config.json")).contains("\"bos_token\" : \"<s>\""));
        assertFalse(Arrays.asList(Files.list(dir).map(p -> p.getFileName().toString()).toArray()).stream()
                .anyMatch(n -> n.toString().endsWith(".tmp")), "no temp files left");
    }
}
