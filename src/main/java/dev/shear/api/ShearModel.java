package dev.shear.api;

import dev.shear.data.SourceSpec;
import dev.shear.engine.Progress;
import dev.shear.eval.EvalTarget;
import dev.shear.eval.Perplexity;
import dev.shear.eval.PerplexityResult;
import dev.shear.eval.PerplexitySpec;
import dev.shear.eval.ZeroShot;
import dev.shear.eval.ZeroShotResult;
import dev.shear.eval.ZeroShotSpec;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.GraphReport;
import dev.shear.io.GgufExport;
import dev.shear.io.LlamaCppPlan;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.pipeline.LoadedLm;
import dev.shear.pipeline.PipelineConfig;
import dev.shear.pipeline.PruneJob;
import dev.shear.pipeline.RecoverJob;
import dev.shear.prune.PruneRun;
import dev.shear.prune.PruneSettings;
import dev.shear.prune.PruneTarget;
import dev.shear.recover.DynamicRecovery;
import dev.shear.recover.RecoverySettings;
import dev.shear.train.Checkpointer;
import java.nio.file.Path;
import java.util.List;

/**
 * A model in memory with its tokenizer. Pruning and recovery change it in place: after
 * {@link #prune} this handle holds the compact model. Close it to free the native memory.
 */
public final class ShearModel implements AutoCloseable {
    /** The hash results carry for a model changed in memory: it is no longer the file's. */
    private static final String IN_MEMORY = "";

    private LoadedLm lm;

    ShearModel(LoadedLm lm) { this.lm = lm; }

    public ModelConfig config() { return lm.model().config(); }

    /** Base parameters (a tied embedding counts once). */
    public long params() { return lm.model().numParams(); }

    /** The model as the engine runs it, for callers that go further than this API. */
    public CausalLm model() { return lm.model(); }

    /** The node groups and their removable structures, traced with the default pruning-time adapters (removed again). */
    public GraphReport trace() {
        LoraAdapters ad = LoraAdapters.insert(lm.model(), Shear.pruneSettings().training().lora());
        try {
            return DependencyGraph.trace(lm.model()).report();
        } finally {
            ad.discard();
        }
    }

    /** Prunes with the default pruning data (the bundled prune.data: the recovery mixture); the model becomes the compact one. */
    public PruneRun.Result prune(PruneSettings settings, Progress progress) {
        return prune(settings, PipelineConfig.defaults().prune().data(), progress);
    }

    /** Prunes on the given text; the model becomes the compact one. */
    public PruneRun.Result prune(PruneSettings settings, PruneJob.DataKind data, Progress progress) {
        PruneTarget target = PruneJob.trace(lm, settings);
        PruneRun.Outcome o = PruneJob.prune(target, lm.tokenizer(), settings, PruneJob.PruneData.of(data, null, settings.seed()),
                Checkpointer.NONE, progress);
        CausalLm dense = lm.model();
        lm = new LoadedLm(o.compact(), lm.tokenizer(), lm.path(), IN_MEMORY);
        dense.close();
        return o.result();
    }

    /** Dynamic recovery on the built-in recovery sources, against the original (dense) model. */
    public DynamicRecovery.Report recover(ShearModel reference, RecoverySettings settings, Progress progress) {
        return recover(reference, settings, Shear.recoverySources(), progress);
    }

    /** Dynamic recovery on these sources, against the original (dense) model; this model is tuned in place. */
    public DynamicRecovery.Report recover(ShearModel reference, RecoverySettings settings, List<SourceSpec> sources, Progress progress) {
        lm = new LoadedLm(lm.model(), lm.tokenizer(), lm.path(), IN_MEMORY);
        return RecoverJob.pretrain(lm.model(), reference.model(), lm.tokenizer(), sources, settings, DynamicRecovery.RoundStore.NONE, progress);
    }

    /** Perplexity of a named dataset (tinystories, wikitext2, ptb) or a text file under a protocol. */
    public PerplexityResult perplexity(String dataset, PerplexitySpec spec, Progress progress) {
        return Perplexity.evaluate(target(), dataset, spec, progress);
    }

    /** The zero-shot tasks, scored as lm-evaluation-harness does. */
    public ZeroShotResult zeroShot(ZeroShotSpec spec, Progress progress) { return ZeroShot.evaluate(target(), spec, progress); }

    /** A Hugging Face folder with per-layer widths where they differ, written atomically. */
    public void save(Path folder) { ModelFolder.save(host(), lm.tokenizer(), folder); }

    /** Writes the model for another runtime; GGUF (f32) pads what llama.cpp needs and picks its architecture as `./shear export` does. */
    public void export(Path out, ExportFormat format) {
        switch (format) {
            case HF -> save(out);
            case GGUF -> exportGguf(out, GgufExport.Dtype.F32);
        }
    }

    /**
     * A GGUF for llama.cpp in any of its storage types, quantized ones included (llama.cpp's mixes,
     * as `./shear export --dtype`); returns the plan, each tensor's type and the size summary.
     */
    public GgufExport.Written exportGguf(Path out, GgufExport.Dtype dtype) {
        return GgufExport.forLlamaCpp(host(), lm.tokenizer(), LlamaCppPlan.Options.AUTO, dtype, out);
    }

    private EvalTarget target() { return new EvalTarget(lm.model(), lm.tokenizer(), lm.sha256()); }

    private LoadedModel host() { return new LoadedModel(config(), lm.model().toHost(), null); }

    @Override public void close() { lm.close(); }
}
