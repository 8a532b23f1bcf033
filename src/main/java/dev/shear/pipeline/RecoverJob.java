package dev.shear.pipeline;

import dev.shear.data.AlpacaTemplate;
import dev.shear.data.Corpus;
import dev.shear.data.SourceSpec;
import dev.shear.engine.Progress;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.ShearJson;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import dev.shear.recover.DynamicRecovery;
import dev.shear.recover.InstructionTuning;
import dev.shear.recover.RecoverySettings;
import dev.shear.report.Plots;
import dev.shear.train.Checkpointer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import dev.shear.train.DistillSettings;
import dev.shear.train.ModelTeacher;
import java.util.List;
import java.util.Map;

/** Dynamic recovery (and the optional instruction stage) of a pruned model against its original. */
public final class RecoverJob {
    private RecoverJob() {}

    public record Report(RecoverySettings settings, List<String> sources, DynamicRecovery.Report pretrain, InstructionTuning.Report instruction) {}

    /** @param fingerprint the run the checkpoints in {@code ckptDir} belong to (null: any) */
    public static Report run(LoadedLm pruned, LoadedLm reference, RecoverySpec spec, Path specFile, long seed, Path out, Path ckptDir,
                             RunFingerprint fingerprint, Progress progress) {
        RecoverySettings s = spec.settings(seed);
        List<SourceSpec> sources = spec.sources(specFile);
        DynamicRecovery.RoundStore store = new DynamicRecovery.RoundStore() {
            @Override public Checkpointer loop(int round) { return new FileCheckpointer(ckptDir.resolve("round-" + round), 2, fingerprint); }
            @Override public Checkpointer rounds() { return new FileCheckpointer(ckptDir.resolve("rounds"), 2, fingerprint); }
        };
        DynamicRecovery.Report pre = pretrain(pruned.model(), reference.model(), pruned.tokenizer(), sources, s, store, progress);
        InstructionTuning.Report inst = null;
        if (spec.instruction() != null && spec.instruction().enabled()) {
            var examples = AlpacaTemplate.read(RecoverySpec.resolve(specFile, spec.instruction().path()));
            try (Progress bar = progress.task("instruction", spec.instruction().steps())) {
                inst = InstructionTuning.run(pruned.model(), pruned.tokenizer(), examples, spec.instructionSettings(seed),
                        new FileCheckpointer(ckptDir.resolve("instruction"), 2, fingerprint), bar);
            }
        }
        ModelFolder.save(new LoadedModel(pruned.model().config(), pruned.model().toHost(), null), pruned.tokenizer(), out);
        Report r = new Report(s, sources.stream().map(SourceSpec::name).toList(), pre, inst);
        ShearJson.write(out.resolve("recover-report.json"), r);
        plots(r, out);
        return r;
    }

    /**
     * The pretraining-mixture stage: the reference model's perplexity on each source's validation split,
     * then dynamic recovery rounds on the pruned model (modified in place).
     */
    public static DynamicRecovery.Report pretrain(CausalLm pruned, CausalLm reference, Tokenizer tok, List<SourceSpec> specs,
                                                  RecoverySettings s, DynamicRecovery.RoundStore store, Progress progress) {
        List<Corpus> sources = new ArrayList<>();
        for (SourceSpec src : specs) sources.add(Corpus.load(src, tok, s.mixture().minTokens()));
        Map<String, Double> ref = DynamicRecovery.measure(reference, sources, s.training());
        try (Progress bar = progress.task("recover", (long) s.rounds() * s.stepsPerRound())) {
            DistillSettings kd = s.training().distill();
            return DynamicRecovery.run(pruned, sources, ref, s, store, bar, kd.enabled() ? new ModelTeacher(reference, kd.topK()) : null);
        }
    }

    public static void plots(Report r, Path out) {
        List<Double> losses = new ArrayList<>();
        for (DynamicRecovery.RoundLog l : r.pretrain().rounds()) losses.addAll(l.losses());
        Plots.lines(out.resolve("recover-loss.png"), "Recovery training loss", "step", "loss",
                Map.of("loss", losses.stream().mapToDouble(Double::doubleValue).toArray()), false);
        Map<String, double[]> ppl = new LinkedHashMap<>();
        List<DynamicRecovery.RoundLog> rounds = r.pretrain().rounds();
        for (String src : r.sources()) {
            double[] v = new double[rounds.size() + 1];
            if (!rounds.isEmpty()) v[0] = rounds.get(0).pplBefore().get(src);
            for (int i = 0; i < rounds.size(); i++) v[i + 1] = rounds.get(i).pplAfter().get(src);
            ppl.put(src, v);
        }
        Plots.lines(out.resolve("recover-ppl.png"), "Validation perplexity per source (1 = before recovery)", "round", "perplexity", ppl, true);
    }
}
