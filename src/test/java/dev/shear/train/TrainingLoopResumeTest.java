package dev.shear.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shear.data.BatchSource;
import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Progress;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainingLoopResumeTest {
    static final ModelConfig CFG = ModelConfig.llama(32, 48, 2, 4, 2, 64, 32, true);

    static BatchSource data() {
        return k -> {
            Random r = new Random(100 + k);
            int[][] rows = new int[2][17];
            for (int[] row : rows) for (int j = 0; j < row.length; j++) row[j] = r.nextInt(64);
            return List.of(TokenBatch.causal(rows));
        };
    }

    /** Keeps saved states in memory, like files that survive a crash. */
    static final class MemoryCheckpoints implements Checkpointer {
        Checkpointer.State last;
        @Override public void save(State s) { last = s; }
        @Override public Optional<State> latest(java.util.function.Function<State, String> problem) {
            return Optional.ofNullable(last).filter(s -> problem.apply(s) == null);
        }
    }

    static Map<String, HostTensor> train(int steps, Checkpointer ckpt) {
        try (CausalLm model = CausalLm.random(CFG, 1, DType.F32)) {
            LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 4, 8, 0.1, 2));
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                TrainingLoop.Settings s = new TrainingLoop.Settings(steps, new LrSchedule(1e-2, 3, 20, 0.1), 5, 9, 3);
                TrainingLoop.run(ad, opt, s, data(), TrainingLoop.NO_HOOK, Progress.NONE, ckpt);
                ad.close();
                return model.toHost();
            }
        }
    }

    @Test void resumedRunEndsWithTheSameWeights() {
        Map<String, HostTensor> straight = train(20, Checkpointer.NONE);
        MemoryCheckpoints disk = new MemoryCheckpoints();
        train(12, disk);                                   // "crashes" after step 12; last checkpoint is step 10
        assertEquals(10, disk.last.step());
        Map<String, HostTensor> resumed = train(20, disk);
        for (String k : straight.keySet()) assertArrayEquals(straight.get(k).data(), resumed.get(k).data(), 0f, k);
    }
}
