package dev.shear.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.data.DataPaths;
import dev.shear.data.SourceSpec;
import dev.shear.eval.Datasets;
import dev.shear.eval.ZeroShotSpec;
import dev.shear.eval.ZeroShotTask;
import dev.shear.io.InputFiles;
import dev.shear.io.ModelFolder;
import dev.shear.io.OutputPaths;
import dev.shear.io.ShearFormatException;
import dev.shear.io.Tokenizer;
import dev.shear.prune.PruneSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The one validation pass of a run, before any stage starts and before any folder is created: the
 * settings records have checked their values as they were built; this checks everything else the
 * stages would find late (the model and its tokenizer open, every data file is a readable regular
 * file within bounds, the recovery spec and evaluation datasets resolve), that the output is apart
 * from every input and may be written, and, for --resume, that the run's {@link RunFingerprint} is
 * the one its checkpoints were written under. Each check fails with one line naming the file or key.
 */
public final class Preflight {
    private Preflight() {}

    /** What a run reads, by role ("model", "source tinystories"), for the output checks and the fingerprint. */
    private static final class Inputs {
        final Map<String, Path> byRole = new LinkedHashMap<>();

        void add(String role, Path p) {
            if (p != null && !byRole.containsValue(p)) byRole.put(role, p);
        }

        List<OutputPaths.Input> list() {
            List<OutputPaths.Input> out = new ArrayList<>();
            byRole.forEach((role, p) -> out.add(new OutputPaths.Input(role, p)));
            return out;
        }
    }

    // ---- ./shear run ----------------------------------------------------------------------------

    /** Checks a whole pipeline run; returns its fingerprint. The run folder is not touched. */
    public static RunFingerprint pipeline(PipelineConfig cfg, boolean resume) {
        Inputs in = new Inputs();
        in.add("model", model(cfg.model() == null ? null : Path.of(cfg.model()), null));
        Path specFile = cfg.recovery().spec() == null ? null : Path.of(cfg.recovery().spec());
        in.add("recovery spec", specFile);
        RecoverySpec spec = cfg.recoverySpec();
        spec.settings(cfg.seed());                                  // the overridden budget, checked as the stage builds it
        for (SourceSpec s : PruneJob.PruneData.of(cfg.prune().data(), specFile, cfg.seed()).sources()) in.add("source " + s.name(), text(s.path()));
        sources(spec, specFile, in);
        in.add("source tinystories-val", text(DefaultData.tinyValidation().path()));
        for (String ds : cfg.evaluation().ppl()) text(Datasets.text(ds).path());
        for (ZeroShotTask t : cfg.evaluation().zeroshotTasks()) text(ZeroShotSpec.all().file(t));

        Path dir = Path.of(cfg.output());
        OutputPaths.requireApart("output", dir, in.list());
        ObjectNode settings = ConfigYaml.YAML.valueToTree(cfg);
        settings.remove("output");                                   // the same folder, however it is spelled
        RunFingerprint fp = RunFingerprint.of(settings, in.byRole);
        runFolder(dir, resume, fp);
        return fp;
    }

    private static void runFolder(Path dir, boolean resume, RunFingerprint fp) {
        if (!Files.exists(dir)) return;
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("output " + dir + " is a file, expected a run folder");
        boolean isRun = Files.exists(dir.resolve(Pipeline.RESOLVED_CONFIG));
        if (isRun && !resume)
            throw new IllegalArgumentException(dir + ": already holds a run; use --resume to continue it or choose another output");
        if (!isRun && !isEmpty(dir))
            throw new IllegalArgumentException("output " + dir + " is a folder that is not empty and holds no Shear run, expected a new or empty folder");
        if (isRun) fp.requireSameAs(dir, "this run");
    }

    // ---- ./shear prune --------------------------------------------------------------------------

    /**
     * A prune command's job.
     *
     * @param model     null: stories260K
     * @param tokenizer null: beside the model
     * @param options   how the model is built (its base dtype changes the result, so it is part of the fingerprint)
     * @param out       the compact model's folder; its checkpoints go in OUT.ckpt beside it
     */
    public record PruneRequest(Path model, Path tokenizer, LoadedLm.Options options, PruneSettings settings, PruneJob.PruneData data,
                               String dataName, Path out, boolean resume, boolean force) {}

    /** Checks a prune job; returns its fingerprint. Nothing is written. */
    public static RunFingerprint prune(PruneRequest r) {
        Inputs in = new Inputs();
        in.add("model", model(r.model(), r.tokenizer()));
        in.add("tokenizer", r.tokenizer());
        for (SourceSpec s : r.data().sources()) in.add("source " + s.name(), text(s.path()));
        in.add("source tinystories-val", text(DefaultData.tinyValidation().path()));
        OutputPaths.check("--out", r.out(), OutputPaths.Kind.MODEL_FOLDER, r.force(), in.list());
        RunFingerprint fp = RunFingerprint.of(r.settings(), in.byRole).withSetting("seed", Long.toString(r.settings().seed()))
                .withSetting("data", r.dataName()).withSetting("base_dtype", r.options().baseDtype().name());
        checkpoints(checkpointDir(r.out()), r.resume(), r.force(), fp);
        return fp;
    }

    // ---- ./shear recover ------------------------------------------------------------------------

    /** A recover command's job; {@code reference} null: stories260K. */
    public record RecoverRequest(Path model, Path reference, RecoverySpec spec, Path specFile, long seed, LoadedLm.Options options, Path out,
                                 boolean resume, boolean force) {}

    /** Checks a recover job; returns its fingerprint. Nothing is written. */
    public static RunFingerprint recover(RecoverRequest r) {
        Inputs in = new Inputs();
        in.add("model", model(r.model(), null));
        in.add("reference model", model(r.reference(), null));
        in.add("recovery spec", r.specFile());
        sources(r.spec(), r.specFile(), in);
        OutputPaths.check("--out", r.out(), OutputPaths.Kind.MODEL_FOLDER, r.force(), in.list());
        RunFingerprint fp = RunFingerprint.of(r.spec(), in.byRole).withSetting("seed", Long.toString(r.seed()))
                .withSetting("base_dtype", r.options().baseDtype().name());
        checkpoints(checkpointDir(r.out()), r.resume(), r.force(), fp);
        return fp;
    }

    // ---- shared ---------------------------------------------------------------------------------

    /** Where a model folder's checkpoints go: OUT.ckpt beside it. */
    public static Path checkpointDir(Path out) { return out.resolveSibling(out.getFileName() + ".ckpt"); }

    /**
     * OUT.ckpt may be resumed from only when this run wrote it (its fingerprint matches), is
     * replaced only with --force, and is never touched when Shear did not write it.
     */
    static void checkpoints(Path dir, boolean resume, boolean force, RunFingerprint fp) {
        if (!Files.exists(dir)) return;
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + " is a file, expected no file there or a checkpoint folder");
        if (isEmpty(dir)) return;
        List<Path> stored = fingerprints(dir);
        if (stored.isEmpty())
            throw new IllegalArgumentException(dir + " holds files Shear did not write (no " + RunFingerprint.FILE
                    + "); move it away or choose another --out");
        if (!resume && !force)
            throw new IllegalArgumentException(dir + " holds the checkpoints of an unfinished run; add --resume to continue it or --force to start over");
        if (resume) for (Path d : stored) fp.requireSameAs(d, "the run that wrote these checkpoints");
    }

    /** The folders of a checkpoint tree that hold a fingerprint (the top, or a recovery round's). */
    private static List<Path> fingerprints(Path dir) {
        try (Stream<Path> s = Files.walk(dir, 2)) {
            return s.filter(p -> p.getFileName().toString().equals(RunFingerprint.FILE)).map(Path::getParent).sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }

    /** Opens the model's config and tokenizer (not its weights) so a bad model fails before anything starts. */
    static Path model(Path model, Path tokenizer) {
        Path p = model == null ? DataPaths.stories260K() : model;
        if (!Files.exists(p)) throw new ShearFormatException(p + ": model does not exist");
        ModelFolder.loadConfig(p);
        try (Tokenizer t = ModelFolder.loadTokenizer(p, tokenizer)) {
            return p;
        }
    }

    /** A text input: a readable regular file within the size that whole-file reads accept. */
    static Path text(Path p) {
        InputFiles.requireRegular(p, "data file");
        try {
            long size = Files.size(p);
            if (size > InputFiles.MAX_TEXT)
                throw ShearFormatException.of(p, "data file is " + size + " bytes", "at most " + InputFiles.MAX_TEXT + " bytes");
        } catch (IOException e) {
            throw ShearFormatException.of(p, "cannot read data file (" + e.getMessage() + ")", "a readable file");
        }
        return p;
    }

    /** The spec's pretraining sources and, when enabled, its instruction data. */
    private static void sources(RecoverySpec spec, Path specFile, Inputs in) {
        for (SourceSpec s : spec.sources(specFile)) in.add("source " + s.name(), text(s.path()));
        if (spec.instruction() != null && spec.instruction().enabled()) {
            if (spec.instruction().path() == null)
                throw new IllegalArgumentException(RecoverySpec.name(specFile) + ": instruction.path is missing, expected an Alpaca JSON file");
            in.add("instruction data", text(RecoverySpec.resolve(specFile, spec.instruction().path())));
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot list (" + e.getMessage() + ")");
        }
    }
}
