package dev.shear.distributed;

import dev.shear.engine.Progress;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Runs independent pieces of work, each input on whichever executor is free, and returns their
 * outputs in input order. An executor that is lost has its pieces run again; a piece that fails
 * for a reason that would fail again (bad input) fails the whole job with its own message.
 */
public interface Shards extends AutoCloseable {
    /** Pieces that can run at once: work is cut into a few times this many so a slow executor does not hold up the rest. */
    int parallelism();

    /** Where the work runs, for messages and reports. */
    String describe();

    /** Runs the task on every input; progress counts finished pieces. */
    <I extends Serializable, O extends Serializable> List<O> map(String job, List<I> inputs, ShardTask<I, O> task, Progress progress);

    /**
     * As {@link #map}, handing each output to {@code finished} on this thread as soon as its piece is
     * done (in the order they finish): long pieces whose results must be saved as they come, e.g.
     * the rows of a benchmark grid, so that a stopped run keeps them.
     */
    default <I extends Serializable, O extends Serializable> List<O> map(String job, List<I> inputs, ShardTask<I, O> task, Progress progress,
                                                                         java.util.function.Consumer<O> finished) {
        List<O> out = new java.util.ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            O o = map(job, List.of(inputs.get(i)), task, Progress.NONE).get(0);
            finished.accept(o);
            out.add(o);
            progress.step(i + 1, inputs.size());
        }
        return out;
    }

    @Override void close();

    /** Opens a cluster of the kind the settings name; found on the class path (the spark module), so the core never loads it otherwise. */
    interface Provider {
        Shards open(ClusterSettings settings);
    }

    /** Connects to the cluster the settings name through the provider on the class path. */
    static Shards connect(ClusterSettings settings) {
        Iterator<Provider> it = ServiceLoader.load(Provider.class).iterator();
        if (!it.hasNext())
            throw new IllegalArgumentException("spark master " + settings.master() + ": the spark module is not on the class path"
                    + " (./shear adds it for --spark-master; from Java, depend on dev.shear:shear-spark)");
        return it.next().open(settings);
    }

    /**
     * True for failures that running the piece again would repeat: Shear's own errors about its
     * input (a missing or malformed file, a bad setting). The job then stops with the message alone;
     * anything else (a lost executor, an engine crash) is the cluster's to retry.
     */
    static boolean isBadInput(Throwable t) {
        return t instanceof IllegalArgumentException || t instanceof IllegalStateException || t instanceof java.io.UncheckedIOException
                || t instanceof dev.shear.io.ShearFormatException;
    }

    /** The pieces run one after another in this process: the reference a cluster must agree with, and a way to test the cutting without one. */
    static Shards local() { return new LocalShards(1, false); }
}
