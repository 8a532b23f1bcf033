package dev.shear.cli;

import dev.shear.io.AtomicFiles;
import dev.shear.pipeline.LoadedLm;
import dev.shear.pipeline.Preflight;
import dev.shear.pipeline.RecoverJob;
import dev.shear.pipeline.RecoverySpec;
import dev.shear.pipeline.RunFingerprint;
import dev.shear.recover.DynamicRecovery;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "recover", description = "Dynamic knowledge recovery: multi-source LoRA fine-tuning weighted towards what the pruned model lost.",
        mixinStandardHelpOptions = true)
final class RecoverCommand implements Runnable {
    @Mixin CommonOptions common;
    @Mixin ModelOptions modelOptions;
    @Option(names = "--model", required = true, description = "The pruned model.") Path model;
    @Option(names = "--reference", description = "The original model (default: stories260K).") Path reference;
    @Option(names = "--spec", description = "Recovery spec YAML (default: the built-in spec, see README).") Path spec;
    @Option(names = "--out", required = true, description = "Output model folder; recover-report.json and plots go inside.") Path out;
    @Option(names = "--resume", description = "Continue from the checkpoints in OUT.ckpt (refused when the spec or inputs changed).") boolean resume;
    @Option(names = "--force", description = "Replace a model already at --out (written beside it, then swapped in) and discard the checkpoints of an unfinished run in OUT.ckpt.")
    boolean force;
    @Option(names = "--distill", description = "Distil from --reference: alpha=A,t=T,k=K|all (defaults 0.5, 1, all), or off; overrides the spec's distill.") String distill;

    @Override public void run() {
        common.apply();
        RecoverySpec s = RecoverySpec.load(spec);
        if (distill != null) s = s.withDistill(Choices.distill("--distill", distill));
        RunFingerprint fp = Preflight.recover(new Preflight.RecoverRequest(model, reference, s, spec, common.seed, modelOptions.options(), out, resume, force));
        Path ckpt = Preflight.checkpointDir(out);
        if (!resume) AtomicFiles.deleteTree(ckpt);                  // absent, empty, or this command's own with --force: Preflight refused the rest
        try (LoadedLm pruned = LoadedLm.open(model, null, modelOptions.options()); LoadedLm ref = LoadedLm.open(reference, null, modelOptions.options())) {
            RecoverJob.Report r = RecoverJob.run(pruned, ref, s, spec, common.seed, out, ckpt, fp, ConsoleProgress.root());
            for (DynamicRecovery.RoundLog l : r.pretrain().rounds())
                System.out.printf("round %d: weights %s, ppl %s -> %s%n", l.round(), fmt(l.weights()), fmt(l.pplBefore()), fmt(l.pplAfter()));
            System.out.println(r.pretrain().stopReason() + "; model, recover-report.json and plots in " + out);
        }
        AtomicFiles.deleteTree(ckpt);
    }

    private static String fmt(java.util.Map<String, Double> m) {
        StringBuilder sb = new StringBuilder("{");
        m.forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append(k).append(String.format(" %.3f", v)));
        return sb.append('}').toString();
    }
}
