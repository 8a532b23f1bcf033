package dev.shear.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.HostTensor;
import dev.shear.io.ModelFolder;
import dev.shear.pipeline.PipelineConfig;
import dev.shear.pipeline.Preflight;
import dev.shear.testing.Golden;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The commands a hostile or careless user types, end to end through {@link Main}: each refused one
 * exits 1 with one line on stderr naming the option or file and the problem, leaves no output
 * behind, and leaves every input byte for byte as it was (SHA-256 of the whole tree before and after).
 */
class HostileCommandsTest {
    @TempDir static Path shared;
    /** stories260K as a llama2.c file with its tokenizer, and the same model as a Hugging Face folder. */
    static Path bin, hf;

    @BeforeAll static void models() throws Exception {
        Path b = Files.createDirectories(shared.resolve("bin"));
        bin = b.resolve("stories260K.bin");
        Files.copy(Golden.storiesBin(), bin);
        Files.copy(Golden.storiesBin().resolveSibling("tok512.bin"), b.resolve("tok512.bin"));
        hf = shared.resolve("hf");
        assertEquals("0", run("convert", "--model", bin.toString(), "--out", hf.toString())[0]);
    }

    /** Exit code and stderr of one command line run in this JVM. */
    static String[] run(String... args) {
        PrintStream err = System.err, out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            int rc = Main.execute(args);
            return new String[] {String.valueOf(rc), buf.toString()};
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
    }

    /** SHA-256 over the names and bytes of every file under {@code p} (or of the file itself). */
    static String treeHash(Path p) throws IOException {
        MessageDigest md = sha();
        List<Path> files;
        try (Stream<Path> s = Files.walk(p)) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            md.update(p.relativize(f).toString().getBytes());
            md.update((byte) 0);
            if (Files.isRegularFile(f)) md.update(Files.readAllBytes(f));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs a command that must be refused: exit 1, exactly one line starting "shear: " that contains
     * every fragment, the inputs unchanged, and none of {@code mustNotExist} created.
     */
    static String refused(List<Path> inputs, List<Path> mustNotExist, List<String> fragments, String... args) throws IOException {
        List<String> before = new ArrayList<>();
        for (Path p : inputs) before.add(treeHash(p));
        String[] r = run(args);
        String line = r[1].strip();
        assertEquals("1", r[0], String.join(" ", args) + " -> " + line);
        assertEquals(1, line.lines().count(), "one line: " + line);
        assertTrue(line.startsWith("shear: "), line);
        assertFalse(line.contains("Exception") || line.contains("\tat "), "no stack trace or exception name: " + line);
        for (String f : fragments) assertTrue(line.contains(f), "'" + f + "' in: " + line);
        for (int i = 0; i < inputs.size(); i++) assertEquals(before.get(i), treeHash(inputs.get(i)), inputs.get(i) + " changed");
        for (Path p : mustNotExist) assertFalse(Files.exists(p), p + " was left behind by: " + line);
        return line;
    }

    static String refused(List<Path> inputs, List<String> fragments, String... args) throws IOException {
        return refused(inputs, List.of(), fragments, args);
    }

    /** A short run, so that a regression that lets a refused run start fails in seconds, not after a full pipeline. */
    static final String SMALL = """
            recovery: {rounds: 1, steps_per_round: 2}
            evaluation: {ppl: [wikitext2], ppl_tokens: 512, zeroshot_tasks: []}
            """;

    // ---- (1) outputs never overwrite inputs -----------------------------------------------------

    @Test void outputEqualToInsideOrContainingTheInputIsRefused(@TempDir Path tmp) throws Exception {
        List<Path> in = List.of(hf, bin.getParent());
        refused(in, List.of("--out " + hf, "is the input model"), "convert", "--model", hf.toString(), "--out", hf.toString());
        refused(in, List.of("--out " + hf, "is the input model"), "export", "--format", "hf", "--model", hf.toString(), "--out", hf.toString());
        refused(in, List.of("--out " + hf, "is the input model"), "prune", "--model", hf.toString(), "--out", hf.toString());
        refused(in, List.of("--out " + hf, "is the input model"), "prune", "--model", hf + "/", "--out", hf + "/./");
        refused(in, List.of(hf.resolve("sub")), List.of("lies inside the input model"),
                "export", "--model", hf.toString(), "--out", hf.resolve("sub").resolve("x.gguf").toString());
        refused(in, List.of("--out " + shared, "contains the input model"), "convert", "--model", hf.toString(), "--out", shared.toString());
        refused(in, List.of("--out " + bin, "is the input model"), "convert", "--format", "llama2c", "--model", bin.toString(), "--out", bin.toString());
        refused(in, List.of("--out " + bin, "is the input model"), "export", "--format", "llama2c", "--model", bin.toString(), "--out", bin.toString(), "--force");
        Path tok = bin.resolveSibling("tok512.bin");
        refused(in, List.of("--out " + tok, "tokenizer"), "export", "--format", "llama2c", "--model", hf.toString(), "--tokenizer", tok.toString(),
                "--out", tok.toString(), "--force");
        // a symlink to the input folder is the input folder
        Path link = Files.createSymbolicLink(tmp.resolve("link"), hf);
        refused(in, List.of("is the input model"), "convert", "--model", hf.toString(), "--out", link.toString());
    }

    @Test void anOutputThatAlreadyHoldsAModelNeedsForce(@TempDir Path tmp) throws Exception {
        Path other = tmp.resolve("other");
        assertEquals("0", run("convert", "--model", bin.toString(), "--out", other.toString())[0]);
        List<Path> in = List.of(hf, other);
        refused(in, List.of("--out " + other, "already holds a model", "--force"), "convert", "--model", hf.toString(), "--out", other.toString());
        refused(in, List.of("--out " + other, "already holds a model"), "export", "--format", "hf", "--model", hf.toString(), "--out", other.toString());
        Path gguf = tmp.resolve("m.gguf");
        Files.writeString(gguf, "not really a model, but not ours to replace");
        refused(List.of(hf, gguf), List.of("--out " + gguf, "already exists", "--force"), "export", "--model", hf.toString(), "--out", gguf.toString());
        Path notes = Files.createDirectories(tmp.resolve("notes"));
        Files.writeString(notes.resolve("todo.txt"), "mine");
        refused(List.of(hf, notes), List.of("--out " + notes, "not empty and holds no model"), "convert", "--model", hf.toString(), "--out", notes.toString());
        // with --force the model is replaced (written beside, swapped in), and nothing is left beside it
        assertEquals("0", run("convert", "--model", hf.toString(), "--out", other.toString(), "--force")[0]);
        assertTrue(Files.exists(other.resolve("model.safetensors")));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("m.gguf", "notes", "other"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test void aReportNeverReplacesAModelFile(@TempDir Path tmp) throws Exception {
        Path other = tmp.resolve("other");
        assertEquals("0", run("convert", "--model", bin.toString(), "--out", other.toString())[0]);
        Path weights = other.resolve("model.safetensors");
        List<Path> in = List.of(hf, other);
        refused(in, List.of("--json " + weights, "is a model file"), "eval", "ppl", "--model", hf.toString(), "--dataset", "wikitext2",
                "--json", weights.toString());
        refused(in, List.of("--json " + other.resolve("config.json"), "is a model file"), "graph", "--model", hf.toString(),
                "--json", other.resolve("config.json").toString());
        refused(in, List.of("--dot " + other, "is a folder"), "graph", "--model", hf.toString(), "--dot", other.toString());
        refused(in, List.of("--json " + hf.resolve("r.json"), "lies inside the input model"), "eval", "zeroshot", "--model", hf.toString(), "--tasks", "boolq", "--limit", "2",
                "--json", hf.resolve("r.json").toString());
    }

    @Test void aPipelineRunNeverWritesIntoItsModel(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("c.yaml");
        Files.writeString(cfg, "model: " + hf + "\n" + SMALL);
        refused(List.of(hf, cfg), List.of("output " + hf, "is the input model"), "run", "--config", cfg.toString(), "--out", hf.toString());
        refused(List.of(hf, cfg), List.of(hf.resolve("run")), List.of("lies inside the input model"),
                "run", "--config", cfg.toString(), "--out", hf.resolve("run").toString());
    }

    // ---- (2) --resume refuses a changed run -----------------------------------------------------

    /**
     * A pipeline run folder as Pipeline.run leaves it before its first stage (resolved config and
     * fingerprint), then --resume with another ratio, method, model or seed: refused, naming the change.
     */
    @Test void pipelineResumeWithAChangedConfigIsRefusedNamingTheChange(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("c.yaml"), dir = tmp.resolve("run");
        Files.writeString(cfg, "model: " + hf + "\nprune: {ratio: 0.2, method: lorashear-paper}\n" + SMALL);
        startedRun(cfg, dir);
        String before = treeHash(dir);
        Files.writeString(cfg, "model: " + hf + "\nprune: {ratio: 0.3, method: lorashear-paper}\n" + SMALL);
        refused(List.of(hf, dir), List.of(dir + ": --resume refused", "prune.ratio 0.2 -> 0.3"), "run", "--config", cfg.toString(),
                "--out", dir.toString(), "--resume");
        Files.writeString(cfg, "model: " + hf + "\nprune: {ratio: 0.2, method: magnitude}\n" + SMALL);
        refused(List.of(hf, dir), List.of("--resume refused", "prune.method"), "run", "--config", cfg.toString(), "--out", dir.toString(), "--resume");
        Files.writeString(cfg, "model: " + bin + "\nprune: {ratio: 0.2, method: lorashear-paper}\n" + SMALL);
        refused(List.of(hf, dir), List.of("--resume refused", "model"), "run", "--config", cfg.toString(), "--out", dir.toString(), "--resume");
        Files.writeString(cfg, "model: " + hf + "\nprune: {ratio: 0.2, method: lorashear-paper}\n" + SMALL);
        refused(List.of(hf, dir), List.of("--resume refused", "seed 0 -> 7"), "run", "--config", cfg.toString(), "--out", dir.toString(),
                "--resume", "--seed", "7");
        refused(List.of(hf, dir), List.of(dir + ": already holds a run", "--resume"), "run", "--config", cfg.toString(), "--out", dir.toString());
        assertEquals(before, treeHash(dir), "the run folder is untouched");
    }

    /** demo replaces only its own finished runs; another run in its folder is refused, pointing at run --resume. */
    @Test void demoNeverReplacesAnotherRun(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(dir.resolve("config.resolved.yaml"), "model: " + hf + "\nprune: {ratio: 0.3}\n" + SMALL);   // a run of another config
        Files.writeString(dir.resolve("stage-report.done"), "{}");
        refused(List.of(hf, dir), List.of("--out " + dir, "holds another run", "--resume"), "demo", "--out", dir.toString());
    }

    /** What Pipeline.run writes before its first stage, from the same checks. */
    static void startedRun(Path cfg, Path dir) throws IOException {
        PipelineConfig c = PipelineConfig.load(cfg).withOutput(dir.toString());
        var fp = Preflight.pipeline(c, false);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.resolved.yaml"), "# only its presence matters here\n");
        fp.write(dir);
    }

    static List<String> pruneArgs(Path model, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("prune", "--model", model.toString(), "--out", out.toString(), "--ratio", "0.2",
                "--method", "lorashear-paper", "--warmup", "2", "--periods", "2", "--period-length", "4", "--kda-ratios", "none",
                "--seq", "64", "--batch", "4", "--checkpoint-every", "2", "--mixture", "tinystories"));
        a.addAll(List.of(more));
        return a;
    }

    /**
     * A prune killed (SIGKILL) after its first checkpoint: --resume with another ratio, method or
     * model is refused naming the change, without --resume it is refused too (the checkpoints are
     * kept), and the same command resumes to the model an uninterrupted prune writes, bit for bit.
     */
    @Test void pruneResumeRefusesAChangedRunAndResumesTheSameOneExactly(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight"), out = tmp.resolve("killed"), ckpt = tmp.resolve("killed.ckpt");
        assertEquals("0", run(pruneArgs(hf, straight).toArray(String[]::new))[0]);
        assertFalse(Files.exists(tmp.resolve("straight.ckpt")), "a finished prune removes its checkpoints");
        PipelineResumeTest.Outcome o = PipelineResumeTest.shear(pruneArgs(hf, out), () -> PipelineResumeTest.hasFile(ckpt, "step-"));
        assertTrue(o.rc() != 0 && Files.exists(ckpt.resolve("fingerprint.json")) && !Files.exists(out), "killed after a checkpoint: " + o.output());
        List<Path> in = List.of(hf, ckpt);
        String[] ratio = pruneArgs(hf, out, "--resume").toArray(String[]::new);
        ratio[6] = "0.3";
        refused(in, List.of(out), List.of(ckpt + ": --resume refused", "ratio 0.2 -> 0.3"), ratio);
        String[] method = pruneArgs(hf, out, "--resume").toArray(String[]::new);
        method[8] = "magnitude";
        refused(in, List.of(out), List.of("--resume refused", "method"), method);
        refused(in, List.of(out), List.of("--resume refused", "model sha256"), pruneArgs(bin, out, "--resume").toArray(String[]::new));
        refused(in, List.of(out), List.of(ckpt + " holds the checkpoints of an unfinished run", "--resume", "--force"),
                pruneArgs(hf, out).toArray(String[]::new));
        assertEquals("0", run(pruneArgs(hf, out, "--resume").toArray(String[]::new))[0]);
        assertFalse(Files.exists(ckpt));
        Map<String, HostTensor> want = ModelFolder.load(straight).weights(), got = ModelFolder.load(out).weights();
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) assertArrayEquals(want.get(k).data(), got.get(k).data(), 0f, k);
    }

    // ---- (5) values, (8) messages naming the option ---------------------------------------------

    @Test void badOptionValuesAreRefusedNamingTheOption(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("o");
        List<Path> in = List.of(hf);
        String m = hf.toString();
        refused(in, List.of("--temperature NaN"), "generate", "--model", m, "--temperature", "NaN");
        refused(in, List.of("--temperature -1.0"), "generate", "--model", m, "--temperature", "-1");
        refused(in, List.of("--top-p 2.0", "(0, 1]"), "generate", "--model", m, "--top-p", "2");
        refused(in, List.of("--max-new-tokens -1"), "generate", "--model", m, "--max-new-tokens", "-1");
        refused(in, List.of("--max-new-tokens", "2147483648"), "generate", "--model", m, "--max-new-tokens", "2147483648");
        refused(in, List.of(out), List.of("--ratio NaN", "(0, 1)"), "prune", "--model", m, "--out", out.toString(), "--ratio", "NaN");
        refused(in, List.of(out), List.of("--ratio 1.0"), "prune", "--model", m, "--out", out.toString(), "--ratio", "1");
        refused(in, List.of(out), List.of("--batch 0"), "prune", "--model", m, "--out", out.toString(), "--batch", "0");
        refused(in, List.of(out), List.of("--periods -2"), "prune", "--model", m, "--out", out.toString(), "--periods", "-2");
        refused(in, List.of(out), List.of("--method", "pickaxe"), "prune", "--model", m, "--out", out.toString(), "--method", "pickaxe");
        refused(in, List.of(out), List.of("--kda-ratios", "x", "not a number"), "prune", "--model", m, "--out", out.toString(), "--kda-ratios", "x");
        refused(in, List.of(out), List.of("--threads 100000", "must be in 1.."), "prune", "--model", m, "--out", out.toString(), "--threads", "100000");
        refused(in, List.of(out), List.of("--threads 0"), "convert", "--model", m, "--out", out.toString(), "--threads", "0");
        refused(in, List.of(out), List.of("--format", "onnx"), "convert", "--model", m, "--out", out.toString(), "--format", "onnx");
        refused(in, List.of("--protocol", "foo"), "eval", "ppl", "--model", m, "--protocol", "foo");
        refused(in, List.of("--max-tokens -3"), "eval", "ppl", "--model", m, "--max-tokens", "-3");
        refused(in, List.of("--dataset books", "neither a known name"), "eval", "ppl", "--model", m, "--dataset", "books");
        refused(in, List.of("--tasks", "chess"), "eval", "zeroshot", "--model", m, "--tasks", "chess");
        refused(in, List.of("--device", "tpu"), "generate", "--model", m, "--device", "tpu");
        refused(in, List.of("--ratio", "'abc'"), "prune", "--model", m, "--out", out.toString(), "--ratio", "abc");
    }

    @Test void exportValidatesEveryOptionBeforeWriting(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("m.gguf");
        List<Path> in = List.of(hf);
        refused(in, List.of(out), List.of("--context -5"), "export", "--model", hf.toString(), "--out", out.toString(), "--context", "-5");
        refused(in, List.of(out), List.of("--dtype", "q4"), "export", "--model", hf.toString(), "--out", out.toString(), "--dtype", "q4");
        refused(in, List.of(out), List.of("--arch", "mamba"), "export", "--model", hf.toString(), "--out", out.toString(), "--arch", "mamba");
        refused(in, List.of(tmp.resolve("m.bin")), List.of("--dtype f16", "llama2.c"), "export", "--format", "llama2c", "--model", hf.toString(),
                "--out", tmp.resolve("m.bin").toString(), "--dtype", "f16");
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.count(), "no file, temp or otherwise, beside the output");
        }
    }

    @Test void badModelConfigValuesNameTheFileAndKey(@TempDir Path tmp) throws Exception {
        Path m = tmp.resolve("m");
        copyTree(hf, m);
        Path cfg = m.resolve("config.json");
        String good = Files.readString(cfg);
        Files.writeString(cfg, good.replaceFirst("\"num_hidden_layers\"\\s*:\\s*\\d+", "\"num_hidden_layers\": 100000000"));
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> refused(List.of(m), List.of(cfg.toString(), "num_hidden_layers 100000000"),
                "generate", "--model", m.toString(), "--max-new-tokens", "1"));
        Files.writeString(cfg, good.replaceFirst("\"rope_theta\"\\s*:\\s*[0-9.eE+-]+", "\"rope_theta\": 0"));
        refused(List.of(m), List.of(cfg.toString(), "rope_theta 0", "positive"), "generate", "--model", m.toString(), "--max-new-tokens", "1");
    }

    // ---- (4) non-regular files ------------------------------------------------------------------

    @Test void fifosAndDevicesAsInputsFailAtOnce(@TempDir Path tmp) throws Exception {
        Path fifo = tmp.resolve("tok.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            refused(List.of(hf), List.of(fifo.toString(), "not a regular file"), "generate", "--model", hf.toString(), "--tokenizer", fifo.toString(),
                    "--max-new-tokens", "1");
            Path fifoModel = tmp.resolve("m.bin");
            assertEquals(0, new ProcessBuilder("mkfifo", fifoModel.toString()).start().waitFor());
            refused(List.of(), List.of(fifoModel.toString(), "not a regular file"), "generate", "--model", fifoModel.toString(), "--max-new-tokens", "1");
            refused(List.of(hf), List.of("/dev/zero", "not a regular file"), "eval", "ppl", "--model", hf.toString(), "--dataset", "/dev/zero");
            Path cfg = tmp.resolve("c.yaml");
            Files.writeString(cfg, "prune: {data: tinystories}\nrecovery: {spec: /dev/zero}\n");
            refused(List.of(hf, cfg), List.of(tmp.resolve("run")), List.of("/dev/zero"), "run", "--config", cfg.toString(), "--out",
                    tmp.resolve("run").toString());
        });
    }

    // ---- (6) pipeline config errors before any stage, (8) the spec file named --------------------

    @Test void pipelineConfigErrorsAreFoundBeforeAnyStageAndLeaveNoFolder(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("c.yaml"), spec = tmp.resolve("spec.yaml"), dir = tmp.resolve("run");
        List<Path> in = List.of(hf, cfg);
        String[] args = {"run", "--config", cfg.toString(), "--out", dir.toString()};
        Files.writeString(cfg, "prune: null\n");
        refused(in, List.of(dir), List.of(cfg.toString(), "prune is null", "expected a mapping"), args);
        Files.writeString(cfg, "prune: {ratio: ~}\n");
        refused(in, List.of(dir), List.of(cfg.toString(), "prune.ratio is null"), args);
        Files.writeString(cfg, "prune: {ratio: NaN}\n");
        refused(in, List.of(dir), List.of(cfg.toString(), "prune.ratio NaN must be in (0, 1)"), args);
        Files.writeString(cfg, "prune: {ratio: .nan}\n");
        refused(in, List.of(dir), List.of(cfg.toString(), "line 1", ".nan"), args);
        Files.writeString(cfg, "prune: {schedule: {periods: -1}}\n");
        refused(in, List.of(dir), List.of(cfg.toString(), "prune.schedule.periods -1"), args);
        Files.writeString(cfg, "prune: {training: {batch: 0}}\n");
        refused(in, List.of(dir), List.of(cfg.toString(), "prune.training.batch 0"), args);
        Files.writeString(cfg, "evaluation: {ppl: [books]}\n");
        refused(in, List.of(dir), List.of(cfg.toString(), "evaluation.ppl: dataset books is neither a known name"), args);
        Files.writeString(cfg, "recovery: {spec: " + tmp.resolve("nope.yaml") + "}\n");
        refused(in, List.of(dir), List.of(tmp.resolve("nope.yaml").toString(), "not found"), args);
        Files.writeString(cfg, "recovery: {spec: " + spec + "}\n");
        String good = new String(dev.shear.pipeline.RecoverySpec.class.getResourceAsStream("recovery-default.yaml").readAllBytes());
        Files.writeString(spec, good.replace("  batch: 8\n  seq_len", "  batch: 0\n  seq_len"));
        refused(List.of(hf, cfg, spec), List.of(dir), List.of(spec.toString(), "pretrain.batch 0"), args);
        Files.writeString(spec, good.replace("gutenberg/kjv.txt", tmp.resolve("missing.txt").toString()));
        refused(List.of(hf, cfg, spec), List.of(dir), List.of(tmp.resolve("missing.txt").toString()), args);
        Files.writeString(spec, good.replace("min_tokens: 64", "min_tokens: ~"));
        refused(List.of(hf, cfg, spec), List.of(dir), List.of(spec.toString(), "pretrain.min_tokens is missing or null"), args);
        Files.writeString(cfg, "recovery: {rounds: 0}\n");
        refused(in, List.of(dir), List.of(cfg.toString(), "recovery.rounds 0"), args);
        Files.writeString(cfg, "prune: {ratio: 0.2}\n");
        refused(in, List.of(dir), List.of("--seed", "x"), "run", "--config", cfg.toString(), "--out", dir.toString(), "--seed", "x");
    }

    // ---- (9) files the command did not create are never deleted ---------------------------------

    @Test void aCheckpointFolderShearDidNotWriteIsLeftAlone(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("o"), ckpt = Files.createDirectories(tmp.resolve("o.ckpt"));
        Files.writeString(ckpt.resolve("thesis.tex"), "three years of work");
        refused(List.of(hf, ckpt), List.of(out), List.of(ckpt.toString(), "Shear did not write"), pruneArgs(hf, out).toArray(String[]::new));
        refused(List.of(hf, ckpt), List.of(out), List.of(ckpt.toString(), "Shear did not write"), pruneArgs(hf, out, "--force").toArray(String[]::new));
        refused(List.of(hf, ckpt), List.of(out), List.of(ckpt.toString()), "recover", "--model", hf.toString(), "--out", out.toString());
        assertEquals("three years of work", Files.readString(ckpt.resolve("thesis.tex")));
        Path file = tmp.resolve("p.ckpt");
        Files.writeString(file, "mine");
        refused(List.of(hf, file), List.of(tmp.resolve("p")), List.of(file.toString(), "is a file"), pruneArgs(hf, tmp.resolve("p")).toArray(String[]::new));
    }

    @Test void leftoversOfAKilledWriterAreCleanedByTheNextWrite(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("o");
        long dead = deadPid();
        Path staleFolder = Files.createDirectories(tmp.resolve(".o.tmp-" + dead + "-123"));
        Files.writeString(staleFolder.resolve("model.safetensors"), "half a model");
        Path staleFile = tmp.resolve(".o.gguf." + dead + "-456.tmp");
        Files.writeString(staleFile, "half a file");
        Path alive = tmp.resolve(".o.tmp-" + ProcessHandle.current().pid() + "-789");
        Files.createDirectories(alive);                                   // a writer still running: kept
        assertEquals("0", run("convert", "--model", hf.toString(), "--out", out.toString())[0]);
        assertEquals("0", run("export", "--model", hf.toString(), "--out", tmp.resolve("o.gguf").toString())[0]);
        assertFalse(Files.exists(staleFolder), "the temp folder of a dead writer is removed");
        assertFalse(Files.exists(staleFile), "the temp file of a dead writer is removed");
        assertTrue(Files.exists(alive), "a live writer's temp folder is kept");
    }

    /** A process id no process has now. */
    static long deadPid() {
        for (long p = 4_000_000; ; p--) if (ProcessHandle.of(p).isEmpty()) return p;
    }

    // ---- out of memory --------------------------------------------------------------------------

    @Test void outOfMemoryIsOneLineWithAdvice() {
        CommandLine prune = new CommandLine(new Main()).getSubcommands().get("prune");
        String line = ErrorLine.of(new RuntimeException("wrapped", new OutOfMemoryError("Java heap space")), prune);
        assertEquals(1, line.lines().count());
        assertTrue(line.startsWith("out of memory (Java heap space)") && line.contains("running prune") && line.contains("--base-dtype fp16")
                && line.contains("--batch") && line.contains("-Xmx"), line);
        String torch = ErrorLine.of(new IllegalStateException("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: "
                + "you tried to allocate 68719476736 bytes."), prune);
        assertTrue(torch.startsWith("out of memory (libtorch could not allocate a tensor)") && torch.contains("outside the Java heap"), torch);
        CommandLine gen = new CommandLine(new Main()).getSubcommands().get("generate");
        assertFalse(ErrorLine.of(new OutOfMemoryError("Java heap space"), gen).contains("--batch"), "advice only for options the command has");
        assertEquals("--batch 0 must be in 1..65536", ErrorLine.named("batch 0 must be in 1..65536", prune));
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
