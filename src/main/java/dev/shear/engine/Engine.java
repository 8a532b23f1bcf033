package dev.shear.engine;

import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDManager;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one entry point to the compute engine (DJL + libtorch). Owns the root manager, the
 * current {@link Device}, the thread's stack of {@link StepScope}s and the optional {@link TraceRecorder}.
 */
public final class Engine {
    private static volatile NDManager root;
    private static volatile Device device = Device.CPU;
    private static volatile long lastSeed;
    private static final AtomicLong FORKS = new AtomicLong();
    private static final ThreadLocal<Deque<StepScope>> SCOPES = ThreadLocal.withInitial(ArrayDeque::new);
    private static final ThreadLocal<TraceRecorder> TRACE = new ThreadLocal<>();

    private Engine() {}

    /** Start-up must not phone home: DJL reads these before its first engine call. */
    static synchronized NDManager root() {
        if (root == null) {
            if (!"true".equalsIgnoreCase(System.getenv("DJL_OFFLINE")))
                System.setProperty("ai.djl.offline", "true");
            System.setProperty("OPT_OUT_TRACKING", "true");
            System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
            if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null)
                System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            root = NDManager.newBaseManager("PyTorch");
        }
        return root;
    }

    /** Seeds libtorch's generator; Java-side randomness uses explicit java.util.Random seeds. */
    public static void seed(long seed) {
        lastSeed = seed;
        FORKS.set(0);
        seedGenerator(seed);
    }

    static void seedGenerator(long seed) {
        root();
        ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed((int) seed);
    }

    /**
     * Reseeds the generator from the last {@link #seed} and a counter, and returns that state so it
     * can be replayed: a recomputed layer then draws the same dropout masks as its first run.
     */
    public static RngState forkRng() {
        long s = lastSeed * 0x9E3779B97F4A7C15L + FORKS.incrementAndGet() * 0xBF58476D1CE4E5B9L;
        long mixed = (s ^ (s >>> 31)) & 0x7fffffffL;
        seedGenerator(mixed);
        return new RngState(mixed);
    }

    // ---- device ---------------------------------------------------------------------------------

    /** Where new stores and scopes put their tensors (cpu unless {@link #useDevice} said otherwise). */
    public static Device device() { return device; }

    /**
     * Makes a device current for stores and scopes created from now on. A GPU must be visible to the
     * loaded libtorch build; otherwise this fails with a one-line message saying why.
     */
    public static void useDevice(Device d) {
        if (d.isGpu()) requireGpu(d);
        device = d;
    }

    private static void requireGpu(Device d) {
        root();
        ai.djl.engine.Engine e = ai.djl.engine.Engine.getEngine("PyTorch");
        if (!e.hasCapability(StandardCapabilities.CUDA))
            throw new IllegalArgumentException("device " + d + " is not available: the loaded libtorch " + e.getVersion()
                    + " is the CPU build (docs/device.md says how to get the CUDA build)");
        int n = e.getGpuCount();
        if (d.index() >= n)
            throw new IllegalArgumentException("device " + d + " is not available: libtorch sees " + n + " CUDA GPU(s)"
                    + (n == 0 ? " (no driver or no GPU)" : ", expected cuda:0..cuda:" + (n - 1)));
    }

    // ---- scopes ---------------------------------------------------------------------------------

    /**
     * Opens a scope; every temporary made inside it is freed on close. Parameters of the stores stay.
     * Tensors the scope creates go to the first store's device, else the enclosing scope's, else the
     * current device.
     */
    public static StepScope openScope(TensorStore... stores) {
        StepScope outer = current();
        NDManager parent = outer == null ? root() : outer.manager();
        Device on = stores.length > 0 ? stores[0].device() : outer != null ? outer.device() : device;
        StepScope scope = new StepScope(parent.newSubManager(on.djl()), stores);
        SCOPES.get().push(scope);
        return scope;
    }

    /** The innermost open scope, where op results land. */
    public static StepScope scope() { return requireScope(); }

    static void popScope(StepScope scope) {
        Deque<StepScope> stack = SCOPES.get();
        if (stack.peek() != scope) throw new IllegalStateException("scopes closed out of order");
        stack.pop();
    }

    static StepScope current() { return SCOPES.get().peek(); }

    static StepScope requireScope() {
        StepScope s = current();
        if (s == null) throw new IllegalStateException("tensor op outside a StepScope: open one with Engine.openScope");
        return s;
    }

    static StepScope parentOf(StepScope scope) {
        boolean found = false;
        for (StepScope s : SCOPES.get()) {
            if (found) return s;
            if (s == scope) found = true;
        }
        return null;
    }

    /** Records every op run by this thread until {@link #stopTrace()}. */
    public static void startTrace(TraceRecorder recorder) { TRACE.set(recorder); }

    public static void stopTrace() { TRACE.remove(); }

    static TraceRecorder tracer() { return TRACE.get(); }

    /** True while a {@link TraceRecorder} is listening on this thread. */
    public static boolean tracing() { return TRACE.get() != null; }

    /** Sets libtorch's intra-op thread count. */
    public static void setThreads(int n) {
        root();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
    }

    public static int threads() {
        root();
        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
    }

    public static String version() {
        root();
        return "DJL " + ai.djl.engine.Engine.getDjlVersion() + ", " + ai.djl.engine.Engine.getEngine("PyTorch").getEngineName()
                + " " + ai.djl.engine.Engine.getEngine("PyTorch").getVersion();
    }
}
