package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
    @TempDir Path tmp;

    @Test void scratch() throws Exception {
        Llama2cTokenizer tok = Llama2cTokenizer.read(TestData.tok512(), 512);
        HfTokenizer.writeForLlama2c(tok, tmp);
        try (HfTokenizer hf = HfTokenizer.load(tmp)) {
            for (String s : List.of("Once upon a time", "", " x", "a😀b", "Hello  world")) {
                System.out.println(s + " -> " + Arrays.toString(tok.encode(s, false, false)) + " / " + Arrays.toString(hf.encode(s, false, false))
                  + " | " + hf.decode(hf.encode(s, true, false)) + " | " + tok.decode(tok.encode(s, true, false)));
            }
            System.out.println(hf.describe() + " " + hf.bosId() + " " + hf.eosId());
        }
    }
}
