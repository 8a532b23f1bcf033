package dev.shear.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.io.ShearJson;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster on 127.0.0.1: a master and two workers, each its own JVM started from
 * Spark's own classes (the spark module's lib folder stands in for a Spark install), and
 * `./shear eval zeroshot --spark-master spark://127.0.0.1:PORT` submitted to it as a user would.
 * Once the job has finished some of its tasks and not all, one worker and its executor are killed
 * (SIGKILL); Spark runs the lost tasks again on the other, and the answer must be the one process's.
 * Slow (three cluster JVMs and two runs of the launcher): mvn -B verify -pl core,spark -Pspark-cluster.
 * -Dshear.clusterLimit sets the items per task (default 300).
 */
@Tag("spark-cluster")
class StandaloneClusterTest {
    static final Pattern PROGRESS = Pattern.compile("zero-shot on \\S+\\s+\\d+% \\[[^\\]]*\\] (\\d+)/(\\d+)");

    final List<Process> started = new ArrayList<>();

    @Test void aWorkerKilledMidJobLeavesTheAnswerUnchanged(@TempDir Path tmp) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        Path lib = root.resolve("spark/target/lib");
        assertTrue(Files.isDirectory(lib), lib + " is missing: run mvn -B package first");
        String limit = System.getProperty("shear.clusterLimit", "300");
        try {
            Process one = shear(root, tmp.resolve("one.log"), "eval", "zeroshot", "--limit", limit, "--json", tmp.resolve("one.json").toString());
            assertEquals(0, one.waitFor(), "single process: " + tail(tmp.resolve("one.log")));

            Path home = Files.createDirectories(tmp.resolve("spark-home"));     // what a worker needs of SPARK_HOME: jars/
            Files.createSymbolicLink(home.resolve("jars"), lib);
            int port = freePort();
            String url = "spark://127.0.0.1:" + port;
            Path masterLog = tmp.resolve("master.log");
            sparkJvm(home, lib, masterLog, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String.valueOf(port),
                    "--webui-port", "0");
            await(masterLog, "I have been elected leader", 120);
            List<Process> workers = new ArrayList<>();
            for (int w = 1; w <= 2; w++) {
                Path log = tmp.resolve("worker" + w + ".log");
                workers.add(sparkJvm(home, lib, log, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                        "--memory", "2g", "--webui-port", "0", "--work-dir", Files.createDirectories(tmp.resolve("work" + w)).toString(), url));
                await(log, "Successfully registered with master", 120);
            }

            Path driverLog = tmp.resolve("driver.log");
            Process driver = shear(root, driverLog, "eval", "zeroshot", "--spark-master", url, "--spark-conf", "spark.executor.memory=1g",
                    "--spark-conf", "spark.executor.cores=1", "--limit", limit, "--json", tmp.resolve("cluster.json").toString());
            int[] at = awaitMidJob(driver, driverLog, 900);
            Process victim = workers.get(0);
            List<ProcessHandle> executors = victim.descendants().toList();
            assertTrue(!executors.isEmpty(), "worker 1 runs an executor");
            executors.forEach(ProcessHandle::destroyForcibly);
            victim.destroyForcibly();
            System.out.printf("killed worker 1 and its executor at %d/%d pieces%n", at[0], at[1]);
            assertTrue(driver.waitFor(1800, TimeUnit.SECONDS), "the job finished");
            String log = Files.readString(driverLog);
            assertEquals(0, driver.exitValue(), "cluster run: " + tail(driverLog));
            assertTrue(log.contains("Lost executor") || log.contains("Lost task"), "the driver saw the executor go: " + tail(driverLog));
            log.lines().filter(l -> l.contains("Lost executor") || l.contains("Lost task")).limit(4).forEach(l -> System.out.println("driver: " + l));

            JsonNode a = ShearJson.MAPPER.readTree(tmp.resolve("one.json").toFile());
            JsonNode b = ShearJson.MAPPER.readTree(tmp.resolve("cluster.json").toFile());
            assertEquals(a.get("requests"), b.get("requests"));
            assertEquals(a.get("llm_pruner_mean"), b.get("llm_pruner_mean"));
            assertEquals(7, a.get("tasks").size());
            for (int i = 0; i < a.get("tasks").size(); i++)
                for (String k : List.of("task", "n", "requests", "acc", "acc_norm", "acc_norm_harness"))
                    assertEquals(a.get("tasks").get(i).get(k), b.get("tasks").get(i).get(k), "task " + i + " " + k);
            System.out.printf("cluster answer = single-process answer: llm-pruner mean %s over %s requests%n", b.get("llm_pruner_mean"), b.get("requests"));
        } finally {
            for (Process p : started) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    /** The launcher, as a user runs it, output to a file. */
    Process shear(Path root, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("shear").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SHEAR_JAVA_OPTS", "-Xmx2g -Xmn64m");
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** A master or worker JVM on Spark's classes, with the JDK openings Spark's own scripts pass on Java 17. */
    Process sparkJvm(Path home, Path lib, Path log, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        for (String p : List.of("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util",
                "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref", "sun.nio.ch", "sun.nio.cs", "sun.security.action",
                "sun.util.calendar"))
            cmd.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
        cmd.addAll(List.of("-cp", lib + "/*", main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        started.add(p);
        return p;
    }

    static void await(Path log, String line, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (Files.exists(log) && Files.readString(log).contains(line)) return;
            Thread.sleep(250);
        }
        fail("no '" + line + "' in " + log + " after " + seconds + " s: " + tail(log));
    }

    /** Waits until the driver's progress bar shows some pieces done and not all; returns {done, total}. */
    static int[] awaitMidJob(Process driver, Path log, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (!driver.isAlive()) fail("the cluster run ended before a worker could be killed: " + tail(log));
            if (Files.exists(log)) {
                Matcher m = PROGRESS.matcher(Files.readString(log));
                int done = -1, total = 0;
                while (m.find()) {
                    done = Integer.parseInt(m.group(1));
                    total = Integer.parseInt(m.group(2));
                }
                if (done > 0 && done < total - 1) return new int[] {done, total};
            }
            Thread.sleep(100);
        }
        fail("the cluster run showed no progress in " + seconds + " s: " + tail(log));
        return null;
    }

    static String tail(Path log) throws IOException {
        if (!Files.exists(log)) return "(no output)";
        String s = Files.readString(log);
        return s.substring(Math.max(0, s.length() - 3000));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) { return s.getLocalPort(); }
    }
}
