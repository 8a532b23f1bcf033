package dev.shear.spark;

import dev.shear.distributed.ClusterSettings;
import dev.shear.distributed.Models;
import dev.shear.distributed.ShardTask;
import dev.shear.distributed.Shards;
import dev.shear.engine.Device;
import dev.shear.engine.Engine;
import dev.shear.engine.Progress;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.resource.ResourceInformation;

/**
 * {@link Shards} on Apache Spark: every input is one Spark task, so a lost executor costs only its
 * own tasks, which Spark runs again elsewhere (up to spark.task.maxFailures times). A task that
 * fails on bad input does not throw: it returns the message, and the driver stops the job with it
 * as Shear's one-line error instead of letting Spark retry it and print its stack trace.
 */
public final class SparkShards implements Shards {
    /** Found through java.util.ServiceLoader when a command is given a Spark master. */
    public static final class Provider implements Shards.Provider {
        @Override public Shards open(ClusterSettings settings) { return new SparkShards(settings); }
    }

    /** Spark's loggers, at WARN unless the user says otherwise (slf4j-simple reads these when each logger is made). */
    static final List<String> QUIET = List.of("org.apache.spark", "org.sparkproject", "org.apache.hadoop", "io.netty", "org.eclipse.jetty");

    private final JavaSparkContext sc;
    private final ClusterSettings settings;

    public SparkShards(ClusterSettings settings) {
        this.settings = settings;
        for (String logger : QUIET) quiet(logger, "warn");
        quiet("org.apache.hadoop.util.NativeCodeLoader", "error");           // Hadoop's native I/O: Shear reads no HDFS
        if (loopback(settings.master())) quiet("org.apache.spark.util.Utils", "error");   // "hostname resolves to a loopback address": it should here
        this.sc = new JavaSparkContext(conf(settings, System.getProperty("java.class.path"), ClusterSettings.executorEnvironment()));
    }

    private static void quiet(String logger, String level) {
        if (System.getProperty("org.slf4j.simpleLogger.log." + logger) == null) System.setProperty("org.slf4j.simpleLogger.log." + logger, level);
    }

    /**
     * Shear's Spark settings: executors find Shear where the driver has it (the same install path
     * on every node, or a shared file system), get the engine's environment, one libtorch thread per
     * executor core and, for cuda, one GPU each; anything in the settings' conf wins.
     */
    static SparkConf conf(ClusterSettings s, String classPath, Map<String, String> env) {
        SparkConf c = new SparkConf().setMaster(s.master()).setAppName("shear");
        c.set("spark.ui.enabled", "false");
        c.set("spark.executor.extraClassPath", classPath);
        StringBuilder opts = new StringBuilder("-Dai.djl.pytorch.num_interop_threads=1");
        for (String logger : QUIET) opts.append(" -Dorg.slf4j.simpleLogger.log.").append(logger).append("=warn");
        String cores = s.conf().get("spark.executor.cores");
        if (cores != null) opts.append(" -Dai.djl.pytorch.num_threads=").append(cores);
        c.set("spark.executor.extraJavaOptions", opts.toString());
        for (Map.Entry<String, String> e : env.entrySet()) c.setExecutorEnv(e.getKey(), e.getValue());
        if (loopback(s.master())) {                        // a cluster on this machine talks over 127.0.0.1 only
            c.set("spark.driver.host", "127.0.0.1");
            c.set("spark.driver.bindAddress", "127.0.0.1");
        }
        if (s.gpus()) {                                    // one GPU per executor, one task per GPU (docs/distributed.md)
            c.set("spark.executor.resource.gpu.amount", "1");
            c.set("spark.task.resource.gpu.amount", "1");
        }
        for (Map.Entry<String, String> e : s.conf().entrySet()) c.set(e.getKey(), e.getValue());
        return c;
    }

    static boolean loopback(String master) {
        return master.startsWith("local") || master.contains("://127.") || master.contains("://localhost");
    }

    @Override public int parallelism() { return sc.defaultParallelism(); }

    @Override public String describe() { return settings.master(); }

    @Override public <I extends Serializable, O extends Serializable> List<O> map(String job, List<I> inputs, ShardTask<I, O> task,
                                                                                   Progress progress) {
        if (inputs.isEmpty()) return List.of();
        sc.setJobDescription("shear: " + job);
        JavaFutureAction<List<Outcome<O>>> f = sc.parallelize(inputs, inputs.size()).map(new Run<I, O>(task, settings.gpus())).collectAsync();
        List<Outcome<O>> outcomes = await(job, f, inputs.size(), progress);
        List<O> out = new ArrayList<>(outcomes.size());
        for (Outcome<O> o : outcomes) {
            if (o.error() != null) throw new IllegalArgumentException(o.error());
            out.add(o.value());
        }
        return out;
    }

    /** One Spark job per piece, all submitted at once: Spark runs them on free executors, and each output is handed over as it arrives. */
    @Override public <I extends Serializable, O extends Serializable> List<O> map(String job, List<I> inputs, ShardTask<I, O> task,
                                                                                   Progress progress, java.util.function.Consumer<O> finished) {
        sc.setJobDescription("shear: " + job);
        List<JavaFutureAction<List<Outcome<O>>>> jobs = new ArrayList<>();
        for (I in : inputs) jobs.add(sc.parallelize(List.of(in), 1).map(new Run<I, O>(task, settings.gpus())).collectAsync());
        List<O> out = new ArrayList<>(java.util.Collections.nCopies(inputs.size(), null));
        boolean[] done = new boolean[inputs.size()];
        int finishedCount = 0;
        try {
            while (finishedCount < inputs.size()) {
                for (int i = 0; i < jobs.size(); i++) {
                    if (done[i] || !jobs.get(i).isDone()) continue;
                    Outcome<O> o = await(job, jobs.get(i), 1, Progress.NONE).get(0);
                    if (o.error() != null) throw new IllegalArgumentException(o.error());
                    done[i] = true;
                    out.set(i, o.value());
                    finished.accept(o.value());
                    progress.step(++finishedCount, inputs.size());
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("spark job " + job + " interrupted");
        } finally {
            for (JavaFutureAction<?> f : jobs) if (!f.isDone()) f.cancel(true);
        }
        return out;
    }

    /** Waits for the job, counting finished tasks for the progress bar; a failed job becomes one line naming its cause. */
    private <T> T await(String job, JavaFutureAction<T> f, int tasks, Progress progress) {
        long reported = -1;
        while (true) {
            try {
                T value = f.get(500, TimeUnit.MILLISECONDS);
                progress.step(tasks, tasks);
                return value;
            } catch (TimeoutException e) {
                long done = 0;
                for (int id : f.jobIds()) {
                    var info = sc.statusTracker().getJobInfo(id);
                    if (info == null) continue;
                    for (int stage : info.stageIds()) {
                        SparkStageInfo st = sc.statusTracker().getStageInfo(stage);
                        if (st != null) done += st.numCompletedTasks();
                    }
                }
                if (done != reported) progress.step(Math.min(done, tasks), tasks);
                reported = done;
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("spark job " + job + " interrupted");
            } catch (ExecutionException e) {
                throw new IllegalStateException("spark job " + job + " failed: " + cause(e));
            }
        }
    }

    /** The innermost message, first line only: Spark's own wraps a remote stack trace in its text. */
    static String cause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().findFirst().orElse(m).strip();
    }

    /** A task's result, or the message of the bad input that stopped it. */
    record Outcome<O>(O value, String error) implements Serializable {}

    /** Runs the task on an executor: on its GPU when the cluster has them, bad input reported rather than thrown. */
    private record Run<I, O>(ShardTask<I, O> task, boolean gpus) implements Function<I, Outcome<O>> {
        @Override public Outcome<O> call(I input) {
            if (gpus) useTaskGpu();
            try {
                return new Outcome<>(task.run(input), null);
            } catch (RuntimeException e) {
                if (!Shards.isBadInput(e)) throw e;
                String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                return new Outcome<>(null, m.lines().findFirst().orElse(m));
            }
        }

        /** The GPU Spark gave this task (one per executor), made the engine's device before any model loads. */
        private static void useTaskGpu() {
            ResourceInformation gpu = TaskContext.get().resources().get("gpu").getOrElse(() -> null);
            if (gpu == null || gpu.addresses().length == 0)
                throw new IllegalStateException("spark: device cuda but this task was given no GPU (spark.task.resource.gpu.amount, docs/distributed.md)");
            Engine.useDevice(Device.parse("cuda:" + gpu.addresses()[0]));
        }
    }

    @Override public void close() {
        sc.close();
        if (settings.master().startsWith("local")) Models.clear();   // the tasks ran in this JVM: free their copies
    }
}
