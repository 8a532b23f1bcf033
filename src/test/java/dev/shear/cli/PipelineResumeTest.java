package dev.shear.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.HostTensor;
import dev.shear.io.ModelFolder;
import dev.shear.io.ShearJson;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pipeline in real processes, SIGKILLed during pruning and during recovery and resumed with
 * --resume, ends with the same pruned and recovered models (bit for bit) and the same evaluation as
 * one uninterrupted run. The kill points are fixed (right after the first checkpoint of each stage)
 * in one test, and drawn from a seeded RNG in the other (3 per stage, one of the six kills also
 * corrupting the newest checkpoint). Seeds: -Dshear.crashSeeds=1,2,3 (profile crash-seeds).
 */
class PipelineResumeTest {
    static final String CONFIG = """
            prune: {warmup: 2, periods: 2, period_length: 4, kda_ratios: [], checkpoint_every: 2, seq_len: 64, batch: 4, method: lorashear-paper}
            recovery: {rounds: 1, steps_per_round: 8, checkpoint_every: 2}
            evaluation: {ppl: [wikitext2], ppl_tokens: 512, zeroshot_tasks: []}
            """;
    static final int KILLS_PER_STAGE = 3;

    @TempDir static Path shared;
    static Path cfg, straight;

    @BeforeAll static void uninterruptedRun() throws Exception {
        cfg = shared.resolve("p.yaml");
        Files.writeString(cfg, CONFIG);
        straight = shared.resolve("straight");
        assertEquals(0, shear(List.of("run", "--config", cfg.toString(), "--out", straight.toString()), null).rc());
        artifactsAreConsistent(straight);
    }

    @Test void killedAfterTheFirstCheckpointOfEachStage(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("killed");
        List<String> run = List.of("run", "--config", cfg.toString(), "--out", a.toString());
        List<String> resume = List.of("run", "--config", cfg.toString(), "--out", a.toString(), "--resume");
        assertTrue(shear(run, () -> hasFile(a.resolve("pruned.ckpt"), "step-")).rc() != 0, "the run was killed");
        assertTrue(!Files.exists(a.resolve("stage-prune.done")));
        assertTrue(shear(resume, () -> hasFile(a.resolve("recovered.ckpt/round-0"), "step-")).rc() != 0);
        assertTrue(Files.exists(a.resolve("stage-prune.done")) && !Files.exists(a.resolve("stage-recover.done")));
        assertEquals(0, shear(resume, null).rc());
        assertSameAsStraight(a);
    }

    static List<Long> seeds() {
        return Arrays.stream(System.getProperty("shear.crashSeeds", "1").split(",")).map(String::trim).filter(x -> !x.isEmpty())
                .map(Long::parseLong).toList();
    }

    /**
     * One run killed 3 times in pruning, then 3 times in recovery, each time resumed. A kill point is
     * (checkpoint c, fraction f), c uniform over 0..K for a stage writing K checkpoints, f uniform in
     * [0, 1): once the stage has begun in that process and its loop has written checkpoint c (c = 0:
     * at once), wait f times the straight run's mean time between checkpoints, then SIGKILL (at the
     * latest when the stage's done marker appears). The kills of a stage are sorted, so they walk
     * through it: loading, training, mid-write, compaction, saving; one that finds its stage already
     * finished is skipped.
     */
    @ParameterizedTest @MethodSource("seeds")
    void killedAtRandomPointsResumesToTheSameModel(long seed, @TempDir Path tmp) throws Exception {
        Random rnd = new Random(seed);
        Path a = tmp.resolve("killed");
        List<String> run = List.of("run", "--config", cfg.toString(), "--out", a.toString(), "--resume");
        String[] name = {"pruning", "recovery"};
        String[] startMarker = {"stage-graph.done", "stage-prune.done"}, doneMarker = {"stage-prune.done", "stage-recover.done"};
        Path[] loopDir = {a.resolve("pruned.ckpt"), a.resolve("recovered.ckpt/round-0")};
        int[] checkpoints = {10 / 2, 8 / 2};                                   // steps / checkpoint_every of CONFIG
        double[] gap = {stageSeconds(straight, "prune") / (checkpoints[0] + 1), stageSeconds(straight, "recover") / (checkpoints[1] + 1)};
        int corruptAt = rnd.nextInt(2 * KILLS_PER_STAGE);
        String corrupted = null;
        StringBuilder laterOutput = new StringBuilder();
        for (int stage = 0; stage < 2; stage++) {
            double[] points = new double[KILLS_PER_STAGE];                     // c + f, sorted
            for (int i = 0; i < points.length; i++) points[i] = rnd.nextInt(checkpoints[stage] + 1) + rnd.nextDouble();
            Arrays.sort(points);
            for (int i = 0; i < points.length; i++) {
                int kill = stage * KILLS_PER_STAGE + i;
                int c = (int) points[i];
                double wait = (points[i] - c) * gap[stage];
                long step = 2L * c;
                Path marker = a.resolve(startMarker[stage]), done = a.resolve(doneMarker[stage]), dir = loopDir[stage];
                if (Files.exists(done)) {
                    System.out.printf("seed %d kill %d: %s had already finished, no kill%n", seed, kill + 1, name[stage]);
                    continue;
                }
                long[] armed = {-1};
                Outcome o = shear(run, () -> {
                    if (Files.exists(done)) return true;               // the stage ended before the kill point: kill between stages
                    if (armed[0] < 0 && Files.exists(marker) && (c == 0 || newestStep(dir) >= step)) armed[0] = System.nanoTime();
                    return armed[0] >= 0 && System.nanoTime() - armed[0] >= wait * 1e9;
                });
                if (corrupted != null) laterOutput.append(o.output());
                System.out.printf("seed %d kill %d: %s, %.2f s after %s -> exit %d, killed during %s%n", seed, kill + 1,
                        name[stage], wait, c == 0 ? "the stage began" : "its checkpoint of step " + step, o.rc(), landedIn(a));
                assertTrue(o.rc() != 0, "seed " + seed + " kill " + (kill + 1) + ": the process was killed before finishing");
                if (kill == corruptAt) {
                    Path newest = newestCheckpoint(a);
                    if (newest != null) {
                        flipByte(newest);
                        corrupted = newest.toString();
                        System.out.printf("seed %d: corrupted %s%n", seed, a.relativize(newest));
                    }
                }
            }
        }
        Outcome last = shear(run, null);
        assertEquals(0, last.rc());
        laterOutput.append(last.output());
        if (corrupted != null) assertTrue(laterOutput.toString().contains("shear: skipping checkpoint " + corrupted),
                "the corrupt checkpoint was detected and skipped");
        assertSameAsStraight(a);
    }

    /** The step of the newest step-*.ckpt in a loop's folder, -1 if none. */
    static long newestStep(Path dir) {
        if (!Files.isDirectory(dir)) return -1;
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("step-\\d+\\.ckpt"))
                    .mapToLong(n -> Long.parseLong(n.substring(5, n.length() - 5))).max().orElse(-1);
        } catch (IOException e) {
            return -1;                                                     // the folder is being replaced; look again
        }
    }

    static void assertSameAsStraight(Path run) throws IOException {
        // a skipped non-finite step changes the trajectory: name both runs' training events in any failure
        String ev = " (training events: straight " + events(straight) + ", resumed " + events(run) + ")";
        Map<String, HostTensor> want = ModelFolder.load(straight.resolve("recovered")).weights();
        Map<String, HostTensor> wantPruned = ModelFolder.load(straight.resolve("pruned")).weights();
        Map<String, HostTensor> pruned = ModelFolder.load(run.resolve("pruned")).weights();
        assertEquals(wantPruned.keySet(), pruned.keySet(), ev);
        for (String k : wantPruned.keySet()) assertArrayEquals(wantPruned.get(k).data(), pruned.get(k).data(), 0f, run + " pruned " + k + ev);
        Map<String, HostTensor> got = ModelFolder.load(run.resolve("recovered")).weights();
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) assertArrayEquals(want.get(k).data(), got.get(k).data(), 0f, run + " " + k + ev);
        assertEquals(comparable(straight), comparable(run), "evaluation of " + run);
    }

    /** The events of the pruning loop and of each recovery round, from the stage reports. */
    @SuppressWarnings("unchecked")
    static String events(Path run) throws IOException {
        Map<String, Object> prune = ShearJson.MAPPER.readValue(Files.readString(run.resolve("pruned/prune-report.json")), Map.class);
        Map<String, Object> recover = ShearJson.MAPPER.readValue(Files.readString(run.resolve("recovered/recover-report.json")), Map.class);
        List<Object> rounds = (List<Object>) ((Map<String, Object>) recover.get("pretrain")).get("rounds");
        return "prune " + prune.get("events") + ", recover " + rounds.stream().map(r -> ((Map<String, Object>) r).get("events")).toList();
    }

    static double stageSeconds(Path run, String stage) throws IOException {
        return ((Number) ShearJson.MAPPER.readValue(Files.readString(run.resolve("stage-" + stage + ".done")), Map.class).get("seconds")).doubleValue();
    }

    /** Which stage a killed run was in, and the newest checkpoint it had written. */
    static String landedIn(Path run) {
        Path newest = newestCheckpoint(run);
        String ckpt = newest == null ? "no checkpoint yet" : "newest checkpoint " + run.relativize(newest);
        if (!Files.exists(run.resolve("stage-prune.done"))) return "pruning, " + ckpt;
        if (!Files.exists(run.resolve("stage-recover.done"))) return "recovery, " + ckpt;
        return Files.exists(run.resolve("stage-evaluate.done")) ? "the report" : "evaluation";
    }

    /** The newest step-*.ckpt of the stage in progress (pruning's, or recovery's rounds and loop folders). */
    static Path newestCheckpoint(Path run) {
        Path dir = Files.exists(run.resolve("stage-prune.done")) ? run.resolve("recovered.ckpt") : run.resolve("pruned.ckpt");
        if (!Files.isDirectory(dir)) return null;
        try (var s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d+\\.ckpt"))
                    .max(Comparator.comparing((Path p) -> lastModified(p)).thenComparing(Path::toString)).orElse(null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static FileTime lastModified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    static void flipByte(Path f) throws IOException {
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            long at = r.length() / 2;
            r.seek(at);
            int b = r.read();
            r.seek(at);
            r.write(b ^ 0x01);
        }
    }

    static boolean hasFile(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) return false;
        try (var s = Files.list(dir)) {
            return s.anyMatch(f -> f.getFileName().toString().startsWith(prefix));
        } catch (IOException e) {
            return false;                                              // the folder is being replaced; look again
        }
    }

    /** Every artifact is there; the report's ratio and numbers are those of the saved model, measured again. */
    @SuppressWarnings("unchecked")
    static void artifactsAreConsistent(Path run) throws IOException {
        for (String f : List.of("config.resolved.yaml", "graph.json", "pruned/prune-report.json", "pruned/config.json",
                "recovered/recover-report.json", "recovered/model.safetensors", "eval-report.json", "report.md", "report.html",
                "plot-loss.png", "plot-group-norm.png", "plot-widths-mlp.png", "plot-perplexity.png", "shear.log"))
            assertTrue(Files.exists(run.resolve(f)), "missing " + f);
        Map<String, Object> prune = ShearJson.MAPPER.readValue(Files.readString(run.resolve("pruned/prune-report.json")), Map.class);
        long original = ModelFolder.load(dev.shear.testing.Golden.storiesBin()).weights().values().stream().mapToLong(HostTensor::numel).sum();
        long saved = ModelFolder.load(run.resolve("recovered")).weights().values().stream().mapToLong(HostTensor::numel).sum();
        assertEquals(1.0 - (double) saved / original, ((Number) prune.get("achieved_ratio")).doubleValue(), 1e-12);
        Path again = run.resolve("again.json");
        assertEquals(0, Main.execute("eval", "ppl", "--model", run.resolve("recovered").toString(), "--dataset", "wikitext2",
                "--protocol", "llm-pruner", "--max-tokens", "512", "--json", again.toString()));
        Map<String, Object> eval = ShearJson.MAPPER.readValue(Files.readString(run.resolve("eval-report.json")), Map.class);
        Map<String, Object> ppl = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) eval.get("recovered")).get("perplexity")).get("wikitext2");
        Map<String, Object> separate = ShearJson.MAPPER.readValue(Files.readString(again), Map.class);
        assertEquals(((Number) ppl.get("ppl")).doubleValue(), ((Number) separate.get("ppl")).doubleValue(), 1e-9);
        assertTrue(Files.readString(run.resolve("report.md")).contains(String.format("%.3f", ((Number) ppl.get("ppl")).doubleValue())));
    }

    /** The eval report without timings and with the run folder's name taken out. */
    static String comparable(Path run) throws IOException {
        return Files.readString(run.resolve("eval-report.json")).replace(run.toString(), "RUN")
                .replaceAll("\"(seconds|tokens_per_second|requests_per_second)\" : [0-9.E-]+", "");
    }

    record Outcome(int rc, String output) {}

    /** Runs the CLI in a new JVM; SIGKILLs it as soon as killNow (polled every 20 ms) says so. */
    static Outcome shear(List<String> args, BooleanSupplier killNow) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-cp", System.getProperty("java.class.path"), "dev.shear.cli.Main"));
        cmd.addAll(args);
        Path log = Files.createTempFile("shear-run", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        if (killNow != null) {
            while (p.isAlive()) {
                if (killNow.getAsBoolean()) {
                    p.destroyForcibly();                                 // SIGKILL: no shutdown hooks, no cleanup
                    break;
                }
                Thread.sleep(20);
            }
        }
        int rc = p.waitFor();
        String out = Files.readString(log);
        if (rc != 0 && killNow == null) {
            List<String> lines = out.lines().toList();
            System.err.println(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
        }
        Files.deleteIfExists(log);
        return new Outcome(rc, out);
    }
}
