package dev.shear.distributed;

import dev.shear.data.DataPaths;
import dev.shear.io.ModelFolder;
import dev.shear.io.ModelStream;
import dev.shear.io.Tokenizer;
import dev.shear.model.CausalLm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The models an executor JVM has loaded, kept between tasks: a task set loads its model once per
 * JVM (once per task running at the same time: a task may mask or observe its copy, so a copy is
 * lent to one task at a time). Only one model's copies are kept: leasing another closes the idle ones.
 */
public final class Models {
    private static final Map<ModelRef, Deque<Loaded>> IDLE = new HashMap<>();
    /** Held by work that records gradients or trains: libtorch allows one gradient tape per JVM, and the seeded generator is global. */
    private static final ReentrantLock EXCLUSIVE = new ReentrantLock();
    private static int loads;

    private Models() {}

    private record Loaded(CausalLm model, Tokenizer tokenizer) {
        void close() {
            model.close();
            try { tokenizer.close(); } catch (Exception ignored) { /* nothing to release */ }
        }
    }

    /** A model lent to one task; closing it gives it back for the next task. */
    public static final class Lease implements AutoCloseable {
        private final ModelRef ref;
        private Loaded loaded;

        private Lease(ModelRef ref, Loaded loaded) {
            this.ref = ref;
            this.loaded = loaded;
        }

        public CausalLm model() { return loaded.model(); }

        public Tokenizer tokenizer() { return loaded.tokenizer(); }

        @Override public void close() {
            if (loaded == null) return;
            synchronized (Models.class) { IDLE.computeIfAbsent(ref, k -> new ArrayDeque<>()).push(loaded); }
            loaded = null;
        }
    }

    /** An idle copy of the model, or a new one loaded from its path after checking its checksum. */
    public static Lease lease(ModelRef ref) {
        List<Loaded> evicted = new ArrayList<>();
        Loaded idle = null;
        synchronized (Models.class) {
            for (Map.Entry<ModelRef, Deque<Loaded>> e : IDLE.entrySet()) if (!e.getKey().equals(ref)) evicted.addAll(e.getValue());
            IDLE.keySet().removeIf(k -> !k.equals(ref));
            Deque<Loaded> mine = IDLE.get(ref);
            if (mine != null && !mine.isEmpty()) idle = mine.pop();
        }
        evicted.forEach(Loaded::close);
        return new Lease(ref, idle != null ? idle : load(ref));
    }

    private static Loaded load(ModelRef ref) {
        Path p = ref.file();
        if (!Files.exists(p))
            throw new IllegalArgumentException(p + ": model not found on this executor (every executor reads the model at the driver's path: docs/distributed.md)");
        String sha = DataPaths.sha256(p);
        if (!sha.equals(ref.sha256()))
            throw new IllegalArgumentException(p + ": sha256 " + sha + " on this executor, " + ref.sha256() + " on the driver: every executor must read the same model");
        CausalLm model;
        try (ModelStream s = ModelFolder.open(p)) { model = CausalLm.fromSource(s.config(), s.weights(), ref.baseDtype()); }
        try {
            Loaded l = new Loaded(model, ref.loadTokenizer());
            synchronized (Models.class) { loads++; }
            return l;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Runs work that records gradients or trains, one such piece per JVM at a time. */
    public static <T> T exclusive(Supplier<T> work) {
        EXCLUSIVE.lock();
        try {
            return work.get();
        } finally {
            EXCLUSIVE.unlock();
        }
    }

    /** Models loaded by this JVM so far (tests check the once-per-JVM promise with it). */
    public static synchronized int loads() { return loads; }

    /** Closes every idle copy (a driver that ran tasks itself, in local mode, frees them when its cluster closes). */
    public static void clear() {
        List<Loaded> all = new ArrayList<>();
        synchronized (Models.class) {
            IDLE.values().forEach(all::addAll);
            IDLE.clear();
        }
        all.forEach(Loaded::close);
    }
}
