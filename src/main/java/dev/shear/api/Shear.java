package dev.shear.api;

import dev.shear.data.DataPaths;
import dev.shear.data.SourceSpec;
import dev.shear.pipeline.LoadedLm;
import dev.shear.pipeline.PipelineConfig;
import dev.shear.pipeline.RecoverySpec;
import dev.shear.prune.PruneSettings;
import dev.shear.recover.RecoverySettings;
import java.nio.file.Path;
import java.util.List;

/**
 * Shear as a library, for a JVM application that embeds it: load a model, trace it, prune it with a
 * method and a ratio, recover what pruning cost, evaluate, save or export. The settings start from
 * the same defaults as `./shear run` and change through their {@code with} methods; long steps report
 * to an {@link dev.shear.engine.Progress} (or {@link dev.shear.engine.Progress#NONE}) and return typed
 * results. README "Java API" shows a whole program.
 *
 * <pre>{@code
 * try (ShearModel original = Shear.load(path); ShearModel model = Shear.load(path)) {
 *     PruneRun.Result pruned = model.prune(Shear.pruneSettings().withMethod(Method.WANDA_SP).withRatio(0.2), Progress.NONE);
 *     DynamicRecovery.Report recovered = model.recover(original, Shear.recoverySettings(), Progress.NONE);
 *     model.save(Path.of("pruned"));
 * }
 * }</pre>
 */
public final class Shear {
    private Shear() {}

    /** A llama2.c {@code .bin} (tokenizer beside it), a Hugging Face folder or a {@code .gguf} file, held in fp32. */
    public static ShearModel load(Path model) { return load(model, null); }

    /** @param tokenizer the tokenizer file when it is not beside the model (null: beside it) */
    public static ShearModel load(Path model, Path tokenizer) { return new ShearModel(LoadedLm.open(model, tokenizer)); }

    /** stories260K, the 260K-parameter TinyStories model, from the shared data folder or the user cache. */
    public static Path stories260K() { return DataPaths.stories260K(); }

    /** The pruning defaults of `./shear run` and `./shear prune` (LHSPG with KDA at 20%, seed 0). */
    public static PruneSettings pruneSettings() { return PipelineConfig.defaults().pruneSettings(); }

    /** The built-in recovery spec's pretraining-mixture settings (seed 0). */
    public static RecoverySettings recoverySettings() { return RecoverySpec.load(null).settings(0); }

    /** The built-in recovery spec's sources: TinyStories lines below 2700, Wikipedia, C4 and Gutenberg samples. */
    public static List<SourceSpec> recoverySources() { return RecoverySpec.load(null).sources(null); }
}
