package dev.shear.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.HostTensor;
import dev.shear.io.GgmlType;
import dev.shear.io.GgufExport;
import dev.shear.io.GgufQuantMix;
import dev.shear.io.LlamaCppPlan;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.testing.Golden;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's quantized GGUF export writes what {@code ./shear export --dtype} writes: the same
 * tensor types and the same dequantized values as the io layer's export of the file read without
 * the engine (only general.name differs: the API's model has no file name).
 */
class ShearModelGgufTest {
    @Test void exportGgufWritesTheRequestedMixAsTheCommandDoes(@TempDir Path dir) {
        Path api = dir.resolve("api.gguf"), direct = dir.resolve("direct.gguf");
        GgufExport.Written ours, theirs;
        try (ShearModel m = Shear.load(Golden.storiesBin())) {
            ours = m.exportGguf(api, GgufExport.Dtype.Q4_K_M);
        }
        try (Tokenizer tok = ModelFolder.loadTokenizer(Golden.storiesBin(), null)) {
            theirs = GgufExport.forLlamaCpp(ModelFolder.load(Golden.storiesBin()), tok, LlamaCppPlan.Options.AUTO, GgufExport.Dtype.Q4_K_M, direct);
        }
        assertEquals(types(theirs.types()), types(ours.types()));
        // stories260K's 64-wide rows fall back from Q4_K to Q5_0; Q4_K_M raises layer 2 of 5 (use_more_bits) to Q6_K, whose fallback is Q8_0
        assertTrue(ours.types().stream().anyMatch(c -> c.type() == GgmlType.Q5_0), "no Q4_K fallback in " + types(ours.types()));
        assertEquals("blk.2.attn_v.weight Q8_0", types(ours.types()).stream().filter(s -> s.startsWith("blk.2.attn_v.")).findFirst().orElseThrow());
        LoadedModel a = ModelFolder.load(api), b = ModelFolder.load(direct);
        assertEquals(b.weights().keySet(), a.weights().keySet());
        for (var e : b.weights().entrySet()) {
            HostTensor t = a.weights().get(e.getKey());
            assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
            assertArrayEquals(e.getValue().data(), t.data(), e.getKey());
        }
    }

    private static List<String> types(List<GgufQuantMix.Choice> choices) {
        return choices.stream().map(c -> c.tensor() + " " + c.type()).toList();
    }
}
