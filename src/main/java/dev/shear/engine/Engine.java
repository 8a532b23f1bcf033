package dev.shear.engine;

import ai.djl.ndarray.NDManager;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The one entry point to the compute engine (DJL + libtorch). Owns the root manager, the
 * thread's stack of {@link StepScope}s and the optional {@link TraceRecorder}.
 */
public final class Engine {
    private static volatile NDManager root;
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
        root();
        ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed((int) seed);
    }

    /** Opens a scope; every temporary made inside it is freed on close. Parameters of the stores stay. */
    public static StepScope openScope(TensorStore... stores) {
        NDManager parent = current() == null ? root() : current().manager();
        StepScope scope = new StepScope(parent.newSubManager(), stores);
        SCOPES.get().push(scope);
        return scope;
    }

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
