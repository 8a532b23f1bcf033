package dev.shear.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.HostTensor;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline in real processes: a run killed with SIGKILL during pruning, and another killed during
 * recovery, each resumed with --resume, end with the same model as an uninterrupted run.
 */
class PipelineResumeTest {
    static final String CONFIG = """
            prune: {warmup: 2, periods: 2, period_length: 4, kda_ratios: [], checkpoint_every: 2, seq_len: 64, batch: 4, method: lorashear-paper}
            recovery: {rounds: 1, steps_per_round: 8, checkpoint_every: 2}
            evaluation: {ppl: [wikitext2], ppl_tokens: 512, zeroshot_tasks: []}
            """;

    @Test void killedRunsResumeToTheSameModel(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("p.yaml");
        Files.writeString(cfg, CONFIG);
        Path straight = tmp.resolve("straight");
        assertEquals(0, shear(List.of("run", "--config", cfg.toString(), "--out", straight.toString()), null, null));
        artifactsAreConsistent(straight);
        Path a = tmp.resolve("killed-in-prune");
        int rc = shear(List.of("run", "--config", cfg.toString(), "--out", a.toString()), a.resolve("pruned.ckpt"), "step-");
        assertTrue(rc != 0, "the run was killed");
        assertTrue(!Files.exists(a.resolve("stage-prune.done")));
        assertEquals(0, shear(List.of("run", "--config", cfg.toString(), "--out", a.toString(), "--resume"), null, null));
        Path b = tmp.resolve("killed-in-recovery");
        rc = shear(List.of("run", "--config", cfg.toString(), "--out", b.toString()), b.resolve("recovered.ckpt/round-0"), "step-");
        assertTrue(rc != 0);
        assertTrue(Files.exists(b.resolve("stage-prune.done")) && !Files.exists(b.resolve("stage-recover.done")));
        assertEquals(0, shear(List.of("run", "--config", cfg.toString(), "--out", b.toString(), "--resume"), null, null));
        Map<String, HostTensor> want = ModelFolder.load(straight.resolve("recovered")).weights();
        Map<String, HostTensor> wantPruned = ModelFolder.load(straight.resolve("pruned")).weights();
        for (Path run : List.of(a, b)) {
            Map<String, HostTensor> pruned = ModelFolder.load(run.resolve("pruned")).weights();
            for (String k : wantPruned.keySet()) assertArrayEquals(wantPruned.get(k).data(), pruned.get(k).data(), 0f, run + " pruned " + k);
            LoadedModel got = ModelFolder.load(run.resolve("recovered"));
            for (String k : want.keySet()) assertArrayEquals(want.get(k).data(), got.weights().get(k).data(), 0f, run + " " + k);
            assertEquals(comparable(straight), comparable(run), "evaluation of " + run);
        }
    }

    /** Every artifact is there; the report's ratio and numbers are those of the saved model, measured again. */
    @SuppressWarnings("unchecked")
    static void artifactsAreConsistent(Path run) throws IOException {
        for (String f : List.of("config.resolved.yaml", "graph.json", "pruned/prune-report.json", "pruned/config.json",
                "recovered/recover-report.json", "recovered/model.safetensors", "eval-report.json", "report.md", "report.html",
                "plot-loss.png", "plot-group-norm.png", "plot-widths-mlp.png", "plot-perplexity.png", "shear.log"))
            assertTrue(Files.exists(run.resolve(f)), "missing " + f);
        Map<String, Object> prune = Json.MAPPER.readValue(Files.readString(run.resolve("pruned/prune-report.json")), Map.class);
        long original = ModelFolder.load(dev.shear.testing.Golden.storiesBin()).weights().values().stream().mapToLong(HostTensor::numel).sum();
        long saved = ModelFolder.load(run.resolve("recovered")).weights().values().stream().mapToLong(HostTensor::numel).sum();
        assertEquals(1.0 - (double) saved / original, ((Number) prune.get("achievedRatio")).doubleValue(), 1e-12);
        Path again = run.resolve("again.json");
        assertEquals(0, Main.execute("eval", "ppl", "--model", run.resolve("recovered").toString(), "--dataset", "wikitext2",
                "--protocol", "llm-pruner", "--max-tokens", "512", "--json", again.toString()));
        Map<String, Object> eval = Json.MAPPER.readValue(Files.readString(run.resolve("eval-report.json")), Map.class);
        Map<String, Object> ppl = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) eval.get("recovered")).get("perplexity")).get("wikitext2");
        Map<String, Object> separate = Json.MAPPER.readValue(Files.readString(again), Map.class);
        assertEquals(((Number) ppl.get("ppl")).doubleValue(), ((Number) separate.get("ppl")).doubleValue(), 1e-9);
        assertTrue(Files.readString(run.resolve("report.md")).contains(String.format("%.3f", ((Number) ppl.get("ppl")).doubleValue())));
    }

    /** The eval report without timings and with the run folder's name taken out. */
    static String comparable(Path run) throws IOException {
        return Files.readString(run.resolve("eval-report.json")).replace(run.toString(), "RUN")
                .replaceAll("\"(seconds|tokensPerSecond|requestsPerSecond)\" : [0-9.E-]+", "");
    }

    /** Runs the CLI in a new JVM; if watch is given, SIGKILLs it as soon as a file starting with prefix appears there. */
    static int shear(List<String> args, Path watch, String prefix) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-cp", System.getProperty("java.class.path"), "dev.shear.cli.Main"));
        cmd.addAll(args);
        Path log = Files.createTempFile("shear-run", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        if (watch != null) {
            while (p.isAlive()) {
                if (Files.isDirectory(watch)) {
                    try (var s = Files.list(watch)) {
                        if (s.anyMatch(f -> f.getFileName().toString().startsWith(prefix))) {
                            p.destroyForcibly();                     // SIGKILL: no shutdown hooks, no cleanup
                            break;
                        }
                    }
                }
                Thread.sleep(20);
            }
        }
        int rc = p.waitFor();
        if (rc != 0 && watch == null) {
            List<String> lines = Files.readAllLines(log);
            System.err.println(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
        }
        Files.deleteIfExists(log);
        return rc;
    }
}
