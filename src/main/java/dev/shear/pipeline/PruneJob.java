package dev.shear.pipeline;

import dev.shear.data.BatchSource;
import dev.shear.data.Batches;
import dev.shear.data.Corpus;
import dev.shear.data.SourceSpec;
import dev.shear.distributed.ClusterPrune;
import dev.shear.distributed.ModelRef;
import dev.shear.distributed.Shards;
import dev.shear.distributed.ValidationProbe;
import dev.shear.engine.Progress;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.ShearJson;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import dev.shear.prune.PruneRun;
import dev.shear.train.ModelTeacher;
import dev.shear.prune.PruneSettings;
import dev.shear.prune.PruneTarget;
import dev.shear.recover.DynamicMixture;
import dev.shear.train.Checkpointer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Prunes a traced model with one method and saves the compact model with its report. */
public final class PruneJob {
    private PruneJob() {}

    /** Which text LHSPG trains on, by name (`prune.data`, `prune --mixture`, `bench quality --prune-data`). */
    public enum DataKind {
        /** The recovery spec's sources, re-weighted at each LHSPG period as recovery re-weights a round. */
        DYNAMIC,
        /** The same sources, uniformly, so pruning-time and recovery steps see the same text. */
        MIXTURE,
        /** TinyStories lines below 2700. */
        TINYSTORIES;

        public static DataKind parse(String s) { return ConfigYaml.parse(DataKind.class, s); }
    }

    /**
     * Text to prune on, paragraphs shorter than minTokens dropped.
     *
     * @param dynamic recovery settings (τ, floor, validation batch and length) of the dynamic mixture; null samples the sources uniformly
     */
    public record PruneData(List<SourceSpec> sources, int minTokens, dev.shear.recover.RecoverySettings dynamic) {
        public static PruneData of(List<SourceSpec> sources) { return new PruneData(sources, 0, null); }

        /** @param specFile the recovery spec whose sources the mixtures use (null: the built-in one) */
        public static PruneData of(DataKind kind, Path specFile, long seed) {
            if (kind == DataKind.TINYSTORIES) return of(List.of(DefaultData.tinyTrain()));
            RecoverySpec spec = RecoverySpec.load(specFile);
            return new PruneData(spec.sources(specFile), spec.pretrain().minTokens(), kind == DataKind.DYNAMIC ? spec.settings(seed) : null);
        }
    }

    /** Inserts the pruning-time adapters into a loaded model and traces it; a run does this once. */
    public static PruneTarget trace(LoadedLm lm, PruneSettings s) { return PruneTarget.trace(lm.model(), s.training().lora()); }

    /**
     * A cluster doing KDA's probes and the one-shot calibration on its copies of the model file the
     * target was loaded from (docs/distributed.md).
     */
    public record Remote(Shards shards, ModelRef model) {}

    /** Prunes a traced model with the settings' method, saves the compact model in {@code out} with prune-report.json. */
    public static PruneRun.Result run(PruneTarget target, Tokenizer tok, PruneSettings s, PruneData data, Path out, Checkpointer ckpt,
                                      Progress progress) {
        return run(target, tok, s, data, out, ckpt, progress, null);
    }

    /** As above, with KDA and the one-shot calibration on a cluster when {@code remote} is not null. */
    public static PruneRun.Result run(PruneTarget target, Tokenizer tok, PruneSettings s, PruneData data, Path out, Checkpointer ckpt,
                                      Progress progress, Remote remote) {
        PruneRun.Outcome o = prune(target, tok, s, data, ckpt, progress, remote);
        try (CausalLm compact = o.compact()) {
            ModelFolder.save(new LoadedModel(compact.config(), compact.toHost(), null), tok, out);
        }
        ShearJson.write(out.resolve("prune-report.json"), o.result());
        return o.result();
    }

    /**
     * Prunes a traced model with the settings' method on the given text; KDA measures TinyStories
     * validation lines. The compact model is the caller's to close.
     */
    public static PruneRun.Outcome prune(PruneTarget target, Tokenizer tok, PruneSettings s, PruneData data, Checkpointer ckpt,
                                         Progress progress) {
        return prune(target, tok, s, data, ckpt, progress, null);
    }

    /** As above, with KDA and the one-shot calibration on a cluster when {@code remote} is not null. */
    public static PruneRun.Outcome prune(PruneTarget target, Tokenizer tok, PruneSettings s, PruneData data, Checkpointer ckpt,
                                         Progress progress, Remote remote) {
        CausalLm model = target.model();
        List<Corpus> train = new ArrayList<>();
        for (SourceSpec spec : data.sources()) train.add(Corpus.load(spec, tok, data.minTokens()));
        DynamicMixture dynamic = data.dynamic() != null && s.method().progressive()
                ? target.adapters().bypassed(() -> DynamicMixture.forDense(model, train, data.dynamic())) : null;
        int batch = s.training().batch(), seq = s.training().seqLen();
        BatchSource batches = dynamic != null ? dynamic.mixture().batches(batch, seq, s.seed()) : Batches.uniform(train, batch, seq, s.seed());
        // KDA's probe: the first 128 validation lines keep groups x ratios evaluations cheap
        List<int[]> all = Corpus.load(DefaultData.tinyValidation(), tok, 0).train();
        List<int[]> val = all.subList(0, Math.min(128, all.size()));
        int ctxLen = model.config().maxSeqLen();
        PruneRun.Outcome o;
        long total = s.method().progressive() ? s.schedule().trainSteps() : 1;
        // distillation's teacher: the original weights, copied before pruning changes them in place
        CausalLm teacher = s.training().distill().enabled() ? CausalLm.fromWeights(model.config(), model.toHost(), model.dtype()) : null;
        try (Progress bar = progress.task("prune " + s.method().cliName(), total)) {
            ValidationProbe probe = new ValidationProbe(val, ctxLen, 16);
            PruneRun.Context ctx = PruneRun.Context.of(batches, probe)
                    .withCheckpoints(ckpt).withProgress(bar).withPreview(dynamic == null ? null : new DynamicPruneData(dynamic))
                    .withTeacher(teacher == null ? null : new ModelTeacher(teacher, s.training().distill().topK()));
            if (remote != null) ctx = ctx.withOffload(new ClusterPrune(remote.shards(), remote.model(), probe, Progress.NONE));
            o = PruneRun.run(target, s, ctx);
            bar.step(total, total);
        } finally {
            if (teacher != null) teacher.close();
        }
        return o;
    }
}
