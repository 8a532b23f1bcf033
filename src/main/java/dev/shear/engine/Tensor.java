package dev.shear.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An engine tensor. Results of ops belong to the innermost open {@link StepScope}. Compares by
 * identity: DJL's equals compares contents natively and its hash is 0. Every op reports to the thread's {@link TraceRecorder} if any.
 */
public final class Tensor {
    private static final AtomicLong IDS = new AtomicLong();
    private final NDArray nd;
    private final String name;
    private final long id = IDS.incrementAndGet();

    Tensor(NDArray nd) { this(nd, null); }

    Tensor(NDArray nd, String name) {
        this.nd = nd;
        this.name = name;
    }

    NDArray nd() { return nd; }

    /** Parameter name, or null for activations. */
    public String name() { return name; }

    public long id() { return id; }

    public long[] shape() { return nd.getShape().getShape(); }

    public long dim(int axis) { return nd.getShape().get(axis < 0 ? nd.getShape().dimension() + axis : axis); }

    public int rank() { return nd.getShape().dimension(); }

    public long numel() { return nd.getShape().size(); }

    public DType dtype() {
        DataType t = nd.getDataType();
        if (t == DataType.FLOAT64) return DType.F64;
        if (t == DataType.FLOAT16) return DType.F16;
        return DType.F32;
    }

    /** Where this tensor's memory is. */
    public Device device() { return Device.of(nd.getDevice()); }

    static DataType djl(DType t) {
        return switch (t) { case F32 -> DataType.FLOAT32; case F64 -> DataType.FLOAT64; case F16 -> DataType.FLOAT16; };
    }

    // ---- wrapping and tracing -------------------------------------------------------------

    private static Tensor wrap(NDArray r) {
        StepScope scope = Engine.requireScope();
        NDManager m = scope.manager();
        if (r.getManager() != m) r.attach(m);
        return new Tensor(r);
    }

    private Tensor op(String kind, NDArray r, Map<String, Object> attrs, Tensor... others) {
        Tensor out = wrap(r);
        TraceRecorder tr = Engine.tracer();
        if (tr != null) {
            List<Tensor> in = new ArrayList<>(others.length + 1);
            in.add(this);
            in.addAll(Arrays.asList(others));
            tr.record(kind, in, out, attrs);
        }
        return out;
    }

    private Tensor op(String kind, NDArray r, Tensor... others) { return op(kind, r, Map.of(), others); }

    // ---- arithmetic ---------------------------------------------------------------------------

    public Tensor add(Tensor o) { return op("add", nd.add(o.nd), o); }
    public Tensor sub(Tensor o) { return op("sub", nd.sub(o.nd), o); }
    public Tensor mul(Tensor o) { return op("mul", nd.mul(o.nd), o); }
    public Tensor div(Tensor o) { return op("div", nd.div(o.nd), o); }
    public Tensor add(double v) { return withConstant("add_scalar", v, NDArray::add); }
    public Tensor mul(double v) { return withConstant("scale", v, NDArray::mul); }
    public Tensor neg() { return op("neg", nd.neg()); }
    public Tensor exp() { return op("exp", nd.exp()); }
    public Tensor log() { return op("log", nd.log()); }
    public Tensor sqrt() { return op("sqrt", nd.sqrt()); }
    public Tensor pow(double e) { return withConstant("pow", e, NDArray::pow); }
    public Tensor square() { return op("square", nd.square()); }
    public Tensor abs() { return op("abs", nd.abs()); }
    public Tensor maximum(double v) { return withConstant("maximum", v, NDArray::maximum); }

    private Tensor withConstant(String kind, double v, java.util.function.BinaryOperator<NDArray> f) {
        try (NDArray c = constant(v)) { return op(kind, f.apply(nd, c)); }
    }

    /**
     * A 0-dim constant in libtorch-owned memory. DJL's ops taking a Java number build the scalar around
     * a direct buffer and close it at once, while autograd may have saved it for backward (mul, pow,
     * maximum): once the collector frees the buffer, backward reads freed memory (see
     * StepScope.owned). Closing this handle is safe: autograd keeps libtorch's own reference.
     */
    private NDArray constant(double v) {
        NDArray java = nd.getDataType() == DataType.FLOAT64 ? nd.getManager().create(v) : nd.getManager().create((float) v);
        return StepScope.owned(java);
    }

    /** Matrix product with broadcasting over leading axes. */
    public Tensor matmul(Tensor o) { return op("matmul", nd.matMul(o.nd), o); }

    /**
     * x W^T + b, with W (out, in): the stem op whose output opens a new channel space. An fp16 W or b
     * is promoted to x's dtype first (differentiably); the promoted copy is released right after, so
     * it outlives the op only where autograd saved it for backward.
     */
    public Tensor linear(Tensor weight, Tensor bias) {
        NDArray w = widenedWeight(weight.nd, nd.getDataType()), b = bias == null ? null : promotedTo(bias.nd, nd.getDataType());
        NDArray r = nd.getNDArrayInternal().linear(nd, w, b).singletonOrThrow();
        if (w != weight.nd) w.close();
        if (b != null && b != bias.nd) b.close();
        return bias == null ? op("linear", r, weight) : op("linear", r, weight, bias);
    }

    /** As {@link #promotedTo}; untaped, into the thread's reusable buffer instead of a fresh copy. */
    private static NDArray widenedWeight(NDArray w, DataType to) {
        if (w.getDataType() != DataType.FLOAT16 || (to != DataType.FLOAT32 && to != DataType.FLOAT64)) return w;
        return ai.djl.pytorch.jni.JniUtils.isGradMode() ? widen(w, to) : WideningBuffer.widen(w, to);
    }

    /** A half-precision array widened to {@code to} by type promotion, or the array itself. */
    private static NDArray promotedTo(NDArray a, DataType to) {
        if (a.getDataType() != DataType.FLOAT16 || (to != DataType.FLOAT32 && to != DataType.FLOAT64)) return a;
        return widen(a, to);
    }

    /** a + zeros(1) of type {@code to}: a 1-element tensor (not a 0-dim one) takes part in promotion. */
    private static NDArray widen(NDArray a, DataType to) {
        try (NDArray zero = a.getManager().zeros(a.getShape().dimension() == 0 ? new Shape() : new Shape(1), to)) {
            return a.add(zero);
        }
    }

    /**
     * This tensor in a wider float dtype. Unlike a cast (DJL runs toType without gradients) it is differentiable:
     * it adds a zero of the target dtype and lets type promotion widen the result.
     */
    public Tensor upcast(DType to) {
        if (dtype() == to) return this;
        if (to.bytes() < dtype().bytes()) throw new IllegalArgumentException("upcast from " + dtype() + " to narrower " + to);
        return op("cast", widen(nd, djl(to)), Map.of("dtype", to.name()));
    }

    /**
     * A copy in another dtype, outside the gradient tape (DJL runs toType without gradients): for writing results
     * computed in a wider dtype back into a parameter.
     */
    public Tensor converted(DType to) {
        return op("convert", nd.toType(djl(to), true), Map.of("dtype", to.name()));
    }

    /** Elementwise choice with broadcasting: ifSet where mask is non-zero, else ifNot; exact, no arithmetic. */
    public static Tensor where(Tensor mask, Tensor ifSet, Tensor ifNot) {
        Shape to = broadcast(broadcast(mask.nd.getShape(), ifSet.nd.getShape()), ifNot.nd.getShape());
        NDArray a = view(ifSet.nd, to), b = view(ifNot.nd, to);
        try (NDArray set = mask.nd.neq(0); NDArray cond = view(set, to)) {
            return ifSet.op("where", NDArrays.where(cond, a, b), mask, ifNot);     // DJL's where does not broadcast
        } finally {
            if (a != ifSet.nd) a.close();
            if (b != ifNot.nd) b.close();
        }
    }

    /** The array itself when it already has the shape, else a broadcast view of it (the caller closes it). */
    private static NDArray view(NDArray x, Shape to) { return x.getShape().equals(to) ? x : x.broadcast(to); }

    private static Shape broadcast(Shape a, Shape b) {
        int n = Math.max(a.dimension(), b.dimension());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long x = i < n - a.dimension() ? 1 : a.get(i - (n - a.dimension())), y = i < n - b.dimension() ? 1 : b.get(i - (n - b.dimension()));
            if (x != y && x != 1 && y != 1) throw new IllegalArgumentException("where: shapes " + a + " and " + b + " do not broadcast");
            out[i] = Math.max(x, y);
        }
        return new Shape(out);
    }

    /** Rows of this (V, D) table picked by int64 ids (B, T) → (B, T, D). */
    public Tensor embed(Tensor ids) {
        NDArray r = nd.getNDArrayInternal().embedding(ids.nd, nd, SparseFormat.DENSE).singletonOrThrow();
        return op("embedding", r, ids);
    }

    // ---- reductions and activations --------------------------------------------------------------

    public Tensor sum() { return op("sum", nd.sum()); }
    public Tensor mean() { return op("mean", nd.mean()); }
    public Tensor sum(int axis, boolean keep) { return op("sum", nd.sum(new int[] {axis}, keep), Map.of("axis", axis)); }
    public Tensor mean(int axis, boolean keep) { return op("mean", nd.mean(new int[] {axis}, keep), Map.of("axis", axis)); }
    public Tensor softmax(int axis) { return op("softmax", nd.softmax(axis), Map.of("axis", axis)); }
    public Tensor logSoftmax(int axis) { return op("log_softmax", nd.logSoftmax(axis), Map.of("axis", axis)); }
    public Tensor sigmoid() { return op("sigmoid", Activation.sigmoid(nd)); }
    public Tensor silu() { return op("silu", nd.mul(Activation.sigmoid(nd))); }
    public Tensor tanh() { return op("tanh", nd.tanh()); }
    /** Exact (erf) GELU, as GPT-NeoX uses. */
    public Tensor gelu() {
        try (NDArray invSqrt2 = constant(1 / Math.sqrt(2.0)); NDArray one = constant(1.0); NDArray half = constant(0.5)) {
            return op("gelu", nd.mul(nd.mul(invSqrt2).erf().add(one)).mul(half));
        }
    }
    /** GELU with the tanh approximation, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): Gemma's gelu_pytorch_tanh. */
    public Tensor geluTanh() {
        try (NDArray c = constant(Math.sqrt(2 / Math.PI)); NDArray k = constant(0.044715); NDArray one = constant(1.0);
             NDArray half = constant(0.5)) {
            NDArray inner = nd.add(nd.pow(3).mul(k)).mul(c);
            return op("gelu_tanh", nd.mul(inner.tanh().add(one)).mul(half));
        }
    }
    public Tensor argmax(int axis) { return op("argmax", nd.argMax(axis)); }

    /** The k largest entries along the last axis, largest first: {values, int64 indices}, each (..., k). */
    public Tensor[] topK(int k) {
        NDList r = nd.topK(k, -1, true, true);
        return new Tensor[] {op("topk", r.get(0), Map.of("k", k)), wrap(r.get(1))};
    }

    // ---- layout ---------------------------------------------------------------------------------------

    public Tensor reshape(long... shape) { return op("reshape", nd.reshape(new Shape(shape)), Map.of("shape", shape.clone())); }
    public Tensor transpose(int... axes) { return op("transpose", nd.transpose(axes), Map.of("axes", axes.clone())); }
    public Tensor swapAxes(int a, int b) { return op("transpose", nd.swapAxes(a, b), Map.of("axes", new int[] {a, b})); }

    /** Elements [start, start+len) along an axis. */
    public Tensor narrow(int axis, long start, long len) {
        int r = rank();
        int ax = axis < 0 ? r + axis : axis;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < r; i++) {
            if (i > 0) sb.append(',');
            sb.append(i == ax ? start + ":" + (start + len) : ":");
        }
        return op("narrow", nd.get(new NDIndex(sb.toString())), Map.of("axis", ax, "start", start, "length", len));
    }

    /** Picks entries along an axis: out[i][j] = this[i][index[i][j]] for axis 1, etc. */
    public Tensor gather(Tensor index, int axis) { return op("gather", nd.gather(index.nd, axis), Map.of("axis", axis), index); }

    /** Selects whole slices along axis 0 by int64 indices. */
    public Tensor take(Tensor index) { return op("take", nd.get(index.nd), index); }

    /** Repeats each slice along an axis n times, in place: [a, b] → [a, a, b, b]. */
    public Tensor repeatInterleave(int axis, long n) { return op("repeat", nd.repeat(axis, n), Map.of("axis", axis, "repeats", n)); }

    public static Tensor concat(List<Tensor> parts, int axis) {
        NDList list = new NDList();
        for (Tensor t : parts) list.add(t.nd);
        Tensor out = wrap(NDArrays.concat(list, axis));
        TraceRecorder tr = Engine.tracer();
        if (tr != null) tr.record("concat", List.copyOf(parts), out, Map.of("axis", axis));
        return out;
    }

    /**
     * Lower-triangular causal mask as an additive bias: 0 on and below the diagonal offset, -inf above.
     * Built on the scope's device from two index ranges, so a forward uploads nothing but its tokens.
     */
    public static Tensor causalBias(long queries, long keys, long offset, DType dtype) { return causalBias(queries, keys, offset, dtype, 0); }

    /**
     * As {@link #causalBias(long, long, long, DType)}, and with {@code window} > 0 also -inf for keys
     * {@code window} or more positions behind the query: each query sees itself and the window - 1
     * keys before it (a sliding-window layer).
     */
    public static Tensor causalBias(long queries, long keys, long offset, DType dtype, int window) {
        NDManager m = Engine.requireScope().manager();
        try (NDArray rows = m.arange(0f, (float) queries, 1f, DataType.FLOAT32).reshape(queries, 1).add(offset);
             NDArray cols = m.arange(0f, (float) keys, 1f, DataType.FLOAT32).reshape(1, keys);
             NDArray above = cols.gt(rows);                                               // (queries, keys)
             NDArray behind = window > 0 ? cols.lte(rows.sub(window)) : null;
             NDArray hidden = behind == null ? null : above.logicalOr(behind);
             NDArray ninf = m.full(new Shape(queries, keys), Float.NEGATIVE_INFINITY, djl(dtype));
             NDArray zero = m.zeros(new Shape(queries, keys), djl(dtype))) {
            return new Tensor(NDArrays.where(hidden == null ? above : hidden, ninf, zero));
        }
    }

    /**
     * Additive bias (B, 1, T, S + T) for rows that continue a padded cache of S slots: row r's
     * queries see its first visible[r] slots, then the T new tokens causally; padding slots stay hidden.
     */
    public static Tensor forkedCausalBias(int[] visible, long cached, long queries, DType dtype) {
        return forkedCausalBias(visible, cached, queries, dtype, 0);
    }

    /** As {@link #forkedCausalBias(int[], long, long, DType)}, hiding keys {@code window} or more positions back (window > 0). */
    public static Tensor forkedCausalBias(int[] visible, long cached, long queries, DType dtype, int window) {
        StepScope s = Engine.requireScope();
        long keys = cached + queries;
        float[] bias = new float[(int) (visible.length * queries * keys)];
        Arrays.fill(bias, Float.NEGATIVE_INFINITY);
        for (int r = 0; r < visible.length; r++)
            for (int i = 0; i < queries; i++) {
                int row = (int) ((r * queries + i) * keys);
                long position = visible[r] + i, from = window > 0 ? Math.max(0, position - window + 1) : 0;   // oldest visible position
                if (from < visible[r]) Arrays.fill(bias, (int) (row + from), row + visible[r], 0f);          // the row's cached prefix
                long firstNew = Math.max(0, from - visible[r]);                                               // new token j sits at position visible[r] + j
                if (firstNew <= i) Arrays.fill(bias, (int) (row + cached + firstNew), (int) (row + cached + i + 1), 0f);
            }
        return s.floats(bias, dtype, visible.length, 1, queries, keys);
    }

    /** Marks a named op without changing the value; lets the tracer see semantic boundaries. */
    public Tensor mark(String kind, Map<String, Object> attrs, Tensor... others) {
        TraceRecorder tr = Engine.tracer();
        if (tr == null) return this;
        return op(kind, nd.duplicate(), attrs, others);
    }

    /** Inverted dropout, training mode. */
    public Tensor dropout(double rate) {
        return op("dropout", nd.getNDArrayInternal().dropout(nd, (float) rate, true).singletonOrThrow(), Map.of("rate", rate));
    }

    /** Moves this tensor's memory into another scope, so it outlives the current one. */
    public Tensor moveTo(StepScope scope) {
        nd.attach(scope.manager());
        return this;
    }

    /** Frees this tensor now. */
    public void free() { nd.close(); }

    // ---- autograd -------------------------------------------------------------------------------------

    public void requireGrad(boolean on) { nd.setRequiresGradient(on); }

    public boolean requiresGrad() { return nd.hasGradient(); }

    public boolean hasGradient() { return nd.hasGradient(); }

    /** The gradient, a scoped tensor. */
    public Tensor grad() { return wrap(nd.getGradient()); }

    /** Resets the accumulated gradient to zero (gradients add up across backward calls). */
    public void zeroGrad() {
        if (!nd.hasGradient()) return;
        NDArray g = nd.getGradient();
        g.set(new NDIndex("..."), 0);
        g.close();
    }

    /** Fills with a constant, in place. */
    public void fill(double v) { nd.set(new NDIndex("..."), v); }

    public Tensor detach() { return wrap(nd.stopGradient()); }

    public Tensor copy() { return wrap(nd.duplicate()); }

    // ---- in-place updates (outside the gradient tape) ---------------------------------------------------

    /** this -= o, in place. */
    public void subInPlace(Tensor o) { nd.subi(o.nd); }

    /**
     * this += o, in place. Also allowed under a gradient tape on a tensor no backward formula saved
     * (a matmul's output: its backward reads the operands), where autograd records it; not traced.
     */
    public void addInPlace(Tensor o) { nd.addi(o.nd); }

    public void mulInPlace(Tensor o) { nd.muli(o.nd); }

    public void scaleInPlace(double v) { nd.muli(v); }

    /** Overwrites the contents with another tensor of the same shape. */
    public void assign(Tensor o) {
        if (!Arrays.equals(shape(), o.shape()))
            throw new IllegalArgumentException("assign: shape " + Arrays.toString(o.shape()) + " into " + Arrays.toString(shape()));
        nd.set(new NDIndex("..."), o.nd);
    }

    /**
     * Copies the values into this tensor's own memory. Not DJL's set(Buffer): on the CPU it makes the
     * tensor alias a direct buffer that only this Java object keeps alive (see StepScope.owned).
     */
    public void assign(float[] values) {
        if (values.length != numel()) throw new IllegalArgumentException("assign: " + values.length + " values into " + Arrays.toString(shape()));
        HostTraffic.upload(values.length);
        copyIn(nd.getManager().create(values, new Shape(shape())), DType.F32);
    }

    public void assign(double[] values) {
        Engine.requireScope();
        HostTraffic.upload(values.length);
        copyIn(nd.getManager().create(values, new Shape(shape())), DType.F64);
    }

    /** Copies an array just built from Java data into this tensor's own memory, converting its dtype. */
    private void copyIn(NDArray fromJava, DType from) {
        try (NDArray src = StepScope.owned(fromJava); NDArray cast = dtype() == from ? null : src.toType(djl(dtype()), false)) {
            nd.set(new NDIndex("..."), cast == null ? src : cast);
        }
    }

    // ---- to host ----------------------------------------------------------------------------------------------

    /** Elements per download in {@link #toFloats}: DJL copies a whole array through one int-sized byte buffer. */
    private static final long DOWNLOAD_CHUNK = 1L << 26;

    public float[] toFloats() {
        long n = numel();
        HostTraffic.download(n);
        if (n <= DOWNLOAD_CHUNK) return floatsOf(nd);
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("toFloats: " + n + " values do not fit a Java array");
        float[] out = new float[(int) n];
        try (NDArray flat = nd.reshape(n)) {
            for (long at = 0; at < n; at += DOWNLOAD_CHUNK) {
                long end = Math.min(n, at + DOWNLOAD_CHUNK);
                try (NDArray part = flat.get(new NDIndex(at + ":" + end))) {
                    float[] f = floatsOf(part);
                    System.arraycopy(f, 0, out, (int) at, f.length);
                }
            }
        }
        return out;
    }

    /** Values [offset, offset + dst.remaining()) of the row-major tensor, as fp32, into dst: a piece of a tensor of any size. */
    public void read(long offset, java.nio.FloatBuffer dst) {
        long n = numel(), count = dst.remaining();
        if (offset < 0 || offset + count > n)
            throw new IllegalArgumentException("read: [" + offset + ", " + (offset + count) + ") of a tensor of " + n + " values");
        HostTraffic.download(count);
        try (NDArray flat = nd.reshape(n)) {
            for (long at = offset; at < offset + count; at += DOWNLOAD_CHUNK) {
                long end = Math.min(offset + count, at + DOWNLOAD_CHUNK);
                try (NDArray part = flat.get(new NDIndex(at + ":" + end))) { dst.put(floatsOf(part)); }
            }
        }
    }

    private static float[] floatsOf(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) return a.toFloatArray();
        try (NDArray f = a.toType(DataType.FLOAT32, false)) { return f.toFloatArray(); }
    }

    public double[] toDoubles() {
        HostTraffic.download(numel());
        return nd.getDataType() == DataType.FLOAT64 ? nd.toDoubleArray() : nd.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    public long[] toLongs() {
        HostTraffic.download(numel());
        return nd.toType(DataType.INT64, false).toLongArray();
    }

    public double item() { return toDoubles()[0]; }

    public HostTensor toHost() { return new HostTensor(shape(), toFloats()); }

    @Override public String toString() { return (name == null ? "Tensor" : name) + Arrays.toString(shape()); }
}
