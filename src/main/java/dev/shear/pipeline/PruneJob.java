package dev.shear.pipeline;

import dev.shear.data.BatchSource;
import dev.shear.data.Batches;
import dev.shear.data.Corpus;
import dev.shear.data.SourceSpec;
import dev.shear.engine.Progress;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.GraphStructures;
import dev.shear.graph.StructureSet;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.Tokenizer;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import dev.shear.prune.PruneRun;
import dev.shear.prune.PruneSettings;
import dev.shear.recover.Validation;
import dev.shear.train.Checkpointer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Prune a loaded model with one method and save the compact model with its report. */
public final class PruneJob {
    private PruneJob() {}

    public record Output(PruneRun.Result result, Path modelDir) {}

    /** Which text LHSPG trains on, by name (`prune.data`, `bench quality --prune-data`). */
    public enum DataKind {
        /** TinyStories lines below 2700. */
        TINYSTORIES,
        /** The recovery spec's sources, uniformly, so pruning-time and recovery steps see the same text. */
        MIXTURE,
        /** The same sources, re-weighted at each LHSPG period as recovery re-weights a round. */
        DYNAMIC;

        public static DataKind parse(String s) {
            for (DataKind d : values()) if (d.name().equalsIgnoreCase(s)) return d;
            throw new IllegalArgumentException("'" + s + "': expected dynamic, mixture or tinystories");
        }
    }

    /**
     * Text to prune on, paragraphs shorter than minTokens dropped.
     *
     * @param dynamic recovery settings (τ, floor, validation batch and length) for {@link DynamicPruneData}; null samples the sources uniformly
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

    public static Output run(LoadedLm lm, PruneSettings s, PruneData data, Path out, Checkpointer ckpt, Progress progress) {
        Tokenizer tok = lm.tokenizer();
        List<Corpus> train = new ArrayList<>();
        for (SourceSpec spec : data.sources()) train.add(Corpus.load(spec, tok, data.minTokens()));
        DynamicPruneData dynamic = data.dynamic() != null && s.method().progressive()
                ? DynamicPruneData.forDense(lm.model(), train, data.dynamic()) : null;
        BatchSource batches = dynamic != null ? dynamic.batches(s.batch(), s.seqLen(), s.seed())
                : Batches.uniform(train, s.batch(), s.seqLen(), s.seed());
        // KDA's probe: the first 128 validation lines keep groups x ratios evaluations cheap
        List<int[]> all = Corpus.load(DefaultData.tinyValidation(), tok, 0).train();
        List<int[]> val = all.subList(0, Math.min(128, all.size()));
        int ctx = lm.model().config().maxSeqLen();
        StructureSet set = structures(lm.model(), s);
        PruneRun.Outcome o;
        long total = s.method().progressive() ? s.trainSteps() : 1;
        try (Progress bar = progress.task("prune " + s.method().cliName(), total)) {
            o = PruneRun.run(lm.model(), set, s, batches, m -> Validation.ppl(m, val, ctx, 16), ckpt, bar, dynamic);
            bar.step(total, total);
        }
        try (CausalLm compact = o.compact()) {
            ModelFolder.save(new LoadedModel(compact.config(), compact.toHost(), null), tok, out);
        }
        Json.write(out.resolve("prune-report.json"), o.result());
        return new Output(o.result(), out);
    }

    /** Structures come from tracing the model with the adapters it will be pruned with. */
    public static StructureSet structures(CausalLm model, PruneSettings s) {
        LoraAdapters probe = LoraAdapters.insert(model, s.lora());
        try {
            return GraphStructures.from(DependencyGraph.trace(model));
        } finally {
            probe.discard();
        }
    }
}
