package dev.shear.distributed;

import dev.shear.engine.Progress;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the pieces in this process, one after another. With {@code serialize} every task, input and
 * output makes the round trip through Java serialization that a cluster puts them through, so a
 * test without a cluster still catches anything that would not travel.
 */
final class LocalShards implements Shards {
    private final int parallelism;
    private final boolean serialize;

    LocalShards(int parallelism, boolean serialize) {
        this.parallelism = parallelism;
        this.serialize = serialize;
    }

    @Override public int parallelism() { return parallelism; }

    @Override public String describe() { return "local"; }

    @Override public <I extends Serializable, O extends Serializable> List<O> map(String job, List<I> inputs, ShardTask<I, O> task,
                                                                                   Progress progress) {
        List<O> out = new ArrayList<>(inputs.size());
        ShardTask<I, O> t = serialize ? roundTrip(task) : task;
        for (I in : inputs) {
            O o = t.run(serialize ? roundTrip(in) : in);
            out.add(serialize ? roundTrip(o) : o);
            progress.step(out.size(), inputs.size());
        }
        return out;
    }

    /** Pieces cut for a cluster of the given parallelism, run here through serialization: for tests. */
    static Shards serializing(int parallelism) { return new LocalShards(parallelism, true); }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T value) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) { out.writeObject(value); }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) { return (T) in.readObject(); }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + value.getClass().getName() + ": " + e.getMessage(), e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override public void close() {}
}
