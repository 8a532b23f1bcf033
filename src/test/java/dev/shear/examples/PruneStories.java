package dev.shear.examples;

import dev.shear.api.ExportFormat;
import dev.shear.api.Shear;
import dev.shear.api.ShearModel;
import dev.shear.engine.Progress;
import dev.shear.eval.PerplexityResult;
import dev.shear.eval.PerplexitySpec;
import dev.shear.prune.KdaSettings;
import dev.shear.prune.Method;
import dev.shear.prune.PruneRun;
import dev.shear.prune.PruneSettings;
import dev.shear.recover.DynamicRecovery;
import dev.shear.recover.RecoverySettings;
import java.nio.file.Path;

/** Prunes 20% of stories260K with Wanda-sp, recovers it briefly, measures it and writes it out. */
public final class PruneStories {
    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "pruned-stories");
        Progress progress = (done, total) -> {};                 // or log it, or drive a progress bar
        try (ShearModel original = Shear.load(Shear.stories260K());
             ShearModel model = Shear.load(Shear.stories260K())) {
            System.out.print(model.trace().table());               // node groups and their removable structures

            PruneSettings prune = Shear.pruneSettings().withMethod(Method.WANDA_SP).withRatio(0.2).withKda(KdaSettings.NONE);
            PruneRun.Result pruned = model.prune(prune, progress);
            System.out.printf("%s removed %.1f%% of %d parameters%n", pruned.method(), 100 * pruned.achievedRatio(), pruned.paramsBefore());

            RecoverySettings recovery = Shear.recoverySettings().withBudget(1, 4);          // one round of 4 steps
            DynamicRecovery.Report recovered = model.recover(original, recovery, Shear.recoverySources().subList(0, 1), progress);
            PerplexityResult ppl = model.perplexity("tinystories", PerplexitySpec.lines(3000, 3100), progress);
            System.out.printf("%d recovery round(s); held-out TinyStories perplexity %.3f%n", recovered.rounds().size(), ppl.ppl());

            model.save(out.resolve("hf"));                                                 // Hugging Face folder
            model.export(out.resolve("model.gguf"), ExportFormat.GGUF);                    // for llama.cpp
        }
    }
}
