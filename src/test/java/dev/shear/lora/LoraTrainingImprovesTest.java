package dev.shear.lora;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.BatchSource;
import dev.shear.data.Corpus;
import dev.shear.data.DataPaths;
import dev.shear.data.Packing;
import dev.shear.data.SourceSpec;
import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Progress;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import dev.shear.recover.Validation;
import dev.shear.testing.Golden;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.Checkpointer;
import dev.shear.train.LrSchedule;
import dev.shear.train.TrainingLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** LoRA on TinyStories lines [0, 3000) lowers perplexity on the held-out lines [3000, 3300). */
class LoraTrainingImprovesTest {
    @Test void loraTrainingLowersHeldOutPerplexity() {
        var path = DataPaths.data("tinystories/tinystories_valid_head.txt");
        try (CausalLm model = Golden.stories(DType.F32); Tokenizer tok = ModelFolder.loadTokenizer(Golden.storiesBin(), null)) {
            Corpus train = Corpus.load(new SourceSpec("train", path, SourceSpec.Format.TEXT, "line", null, 0, 3000, 1), tok, 0);
            Corpus held = Corpus.load(new SourceSpec("held", path, SourceSpec.Format.TEXT, "line", null, 3000, 3300, 1), tok, 0);
            List<int[]> eval = new ArrayList<>(held.train());
            double before = Validation.ppl(model, eval, 512, 16);
            LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 8, 16, 0.05, 7));
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                BatchSource src = k -> {
                    Random r = new Random(1000 + k);
                    int[][] rows = new int[8][];
                    for (int i = 0; i < rows.length; i++) rows[i] = Packing.row(train.train(), 129, r);
                    return List.of(TokenBatch.causal(rows));
                };
                TrainingLoop.run(ad, opt, new TrainingLoop.Settings(200, new LrSchedule(2e-3, 10, 200, 0.1), 0, 3, 3),
                        src, TrainingLoop.NO_HOOK, Progress.NONE, Checkpointer.NONE);
            }
            ad.close();
            double after = Validation.ppl(model, eval, 512, 16);
            System.out.printf("held-out TinyStories ppl %.4f -> %.4f after 200 LoRA steps%n", before, after);
            assertTrue(after < before * 0.99, "ppl " + before + " -> " + after);
        }
    }
}
