package dev.shear.train;

import dev.shear.data.TokenBatch;
import dev.shear.data.BatchSource;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk teacher gives what the in-memory teacher gives, and refuses batches it does not hold. */
class TeacherCacheTest {
    static final ModelConfig CFG = ModelConfig.llama(16, 24, 2, 4, 2, 32, 16, true);

    static BatchSource data(long seed) {
        return k -> {
            Random r = new Random(seed * 31 + k);
            int[][] rows = new int[3][9];
            for (int[] row : rows) for (int i = 0; i < row.length; i++) row[i] = r.nextInt(CFG.vocabSize());
            return List.of(TokenBatch.causal(rows));
        };
    }

    @Test void cachedTopKEqualsTheLiveTeacher(@TempDir Path dir) {
        try (CausalLm teacher = CausalLm.random(CFG, 3, DType.F32)) {
            BatchSource src = data(1);
            for (int k : new int[] {5, CFG.vocabSize()}) {
                try (TeacherCache cache = TeacherCache.write(dir.resolve("t" + k + ".kd"), teacher, src, 2, 4, k, null)) {
                    if (k == CFG.vocabSize()) assertEquals(1.0, cache.topKMass(), 1e-6);
                    else assertTrue(cache.topKMass() > 0 && cache.topKMass() < 1, "mass " + cache.topKMass());
                    ModelTeacher live = new ModelTeacher(teacher, k);
                    for (long step = 2; step < 6; step++) {
                        TokenBatch mb = src.batches(step).get(0);
                        try (StepScope s = Engine.openScope(teacher.store())) {
                            Teacher.Targets c = cache.targets(s, step, 0, mb);
                            Teacher.Targets l = k < CFG.vocabSize() ? live.targets(s, step, 0, mb)
                                    : new Teacher.Targets(teacher.forward(s.tokens(mb.inputs())).topK(k)[0], null);
                            assertArrayEquals(l.values().toFloats(), c.values().toFloats(), 1e-6f);
                            if (l.indices() != null) assertArrayEquals(l.indices().toLongs(), c.indices().toLongs());
                        }
                    }
                }
            }
        }
    }

    @Test void aBatchThatIsNotTheCachedOneIsAnError(@TempDir Path dir) {
        try (CausalLm teacher = CausalLm.random(CFG, 3, DType.F32);
             TeacherCache cache = TeacherCache.write(dir.resolve("t.kd"), teacher, data(1), 0, 2, 4, null);
             StepScope s = Engine.openScope()) {
            TokenBatch other = data(2).batches(1).get(0);
            String msg = assertThrows(IllegalArgumentException.class, () -> cache.targets(s, 1, 0, other)).getMessage();
            assertTrue(msg.endsWith("step 1's batch is not the one cached (data, seed or batch shape changed)"), msg);
            msg = assertThrows(IllegalArgumentException.class, () -> cache.targets(s, 2, 0, other)).getMessage();
            assertTrue(msg.endsWith("no cached teacher for step 2 micro-batch 0 (it holds steps 0 to 1)"), msg);
        }
    }

    @Test void aTruncatedCacheIsRefusedAtOpen(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.kd");
        try (CausalLm teacher = CausalLm.random(CFG, 3, DType.F32)) {
            TeacherCache.write(f, teacher, data(1), 0, 2, 4, null).close();
        }
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 3));
        String msg = assertThrows(IllegalArgumentException.class, () -> TeacherCache.open(f)).getMessage();
        assertTrue(msg.contains("teacher cache header does not match the file's size"), msg);
    }
}
