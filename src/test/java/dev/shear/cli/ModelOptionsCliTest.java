package dev.shear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.io.ShearJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --base-dtype and --checkpoint-activations reach the model a command builds; unsupported choices fail in one line. */
class ModelOptionsCliTest {
    @Test void evalHonoursBaseDtypeAndCheckpointing(@TempDir Path tmp) throws Exception {
        double fp32 = ppl(tmp, "fp32.json"), fp32Ckpt = ppl(tmp, "ckpt.json", "--checkpoint-activations");
        double fp16 = ppl(tmp, "fp16.json", "--base-dtype", "fp16", "--checkpoint-activations");
        System.out.printf("stories260K TinyStories lines 0-16 ppl: fp32 %.6f, fp32 checkpointed %.6f, fp16 checkpointed %.6f%n", fp32, fp32Ckpt, fp16);
        assertEquals(fp32, fp32Ckpt, 0.0, "checkpointing changes memory, not results");
        assertNotEquals(fp32, fp16, "an fp16 base rounds the weights, so the option must show");
        assertTrue(Math.abs(fp16 - fp32) < 1e-3 * fp32, "fp32 " + fp32 + " vs fp16 " + fp16);
    }

    @Test void bf16BaseIsRefusedInOneLine() {
        String[] r = MainErrorsTest.run("eval", "ppl", "--base-dtype", "bf16", "--last", "2");
        assertEquals("1", r[0]);
        assertEquals(1, r[1].strip().lines().count(), r[1]);
        assertTrue(r[1].contains("--base-dtype bf16"), r[1]);
    }

    @Test void missingGpuIsOneLine() {
        String[] r = MainErrorsTest.run("generate", "--device", "cuda:1", "--max-new-tokens", "2");
        assertEquals("1", r[0]);
        assertEquals(1, r[1].strip().lines().count(), r[1]);
        assertTrue(r[1].contains("device cuda:1 is not available"), r[1]);
    }

    private static double ppl(Path tmp, String name, String... extra) throws Exception {
        Path json = tmp.resolve(name);
        String[] base = {"eval", "ppl", "--dataset", "tinystories", "--last", "16", "--json", json.toString()};
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        assertEquals(0, Main.execute(args));
        return ((Number) ShearJson.MAPPER.readValue(Files.readString(json), Map.class).get("ppl")).doubleValue();
    }
}
