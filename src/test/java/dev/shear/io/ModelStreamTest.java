package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streaming a sharded folder tensor by tensor builds the same model as loading it whole. */
class ModelStreamTest {
    @TempDir Path tmp;

    @Test void streamedShardedFolderGivesTheSameLogitsAsAWholeLoad() {
        Path hf = tmp.resolve("hf");
        LoadedModel original = ModelFolder.load(TestData.stories260K());
        ModelFolder.save(original, null, hf, new ModelFolder.SaveOptions(SafetensorsDType.F16, 200_000));
        LoadedModel whole = ModelFolder.load(hf);
        int[][] ids = {{1, 20, 300, 45, 8, 99, 100, 2}};
        float[] a, b;
        try (CausalLm m = CausalLm.fromWeights(whole.config(), whole.weights(), DType.F32)) { a = logits(m, ids); }
        try (ModelStream s = ModelFolder.open(hf)) {
            assertEquals(whole.config(), s.config());
            assertTrue(s.source().equals(hf));
            try (CausalLm m = CausalLm.fromSource(s.config(), s.weights(), DType.F32)) { b = logits(m, ids); }
        }
        assertArrayEquals(a, b);
    }

    @Test void streamingRejectsNonFiniteValuesWhenRead() {
        ModelConfig cfg = ModelConfig.llama(8, 16, 1, 2, 2, 16, 8, true);
        Map<String, HostTensor> w = new LinkedHashMap<>(CausalLm.randomWeights(cfg, 1, 0.02f));
        float[] bad = w.get("model.layers.0.mlp.up_proj.weight").data().clone();
        bad[5] = Float.NaN;
        w.put("model.layers.0.mlp.up_proj.weight", HostTensor.of(bad, 16, 8));
        Path hf = tmp.resolve("bad");
        ModelFolder.save(new LoadedModel(cfg, w, null), null, hf);
        try (ModelStream s = ModelFolder.open(hf)) {
            ShearFormatException e = assertThrows(ShearFormatException.class, () -> CausalLm.fromSource(s.config(), s.weights(), DType.F32));
            assertTrue(e.getMessage().contains("model.layers.0.mlp.up_proj.weight contains NaN or Inf"), e.getMessage());
        }
    }

    private static float[] logits(CausalLm m, int[][] ids) {
        try (StepScope s = Engine.openScope(m.store())) { return m.forward(s.tokens(ids)).toFloats(); }
    }
}
