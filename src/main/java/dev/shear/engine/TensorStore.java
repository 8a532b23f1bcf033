package dev.shear.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Long-lived tensors: model weights, LoRA parameters, optimizer state. Everything else lives in a
 * {@link StepScope}. Closing the store frees its native memory. A store lives on one {@link Device}.
 */
public final class TensorStore implements AutoCloseable {
    /** Values per upload chunk in {@link #load}: 16 MB of fp32 staged at a time. */
    private static final int CHUNK = 1 << 22;
    /** One reusable direct staging buffer per thread: DJL would allocate (and leave to the GC) one per call. */
    private static final ThreadLocal<ByteBuffer> STAGING =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK * Float.BYTES).order(ByteOrder.nativeOrder()));
    private final NDManager manager;
    private final DType dtype;
    private final Set<Tensor> tensors = Collections.newSetFromMap(new IdentityHashMap<>());

    /** A store on the current device ({@link Engine#device()}). */
    public TensorStore(DType dtype) { this(dtype, Engine.device()); }

    public TensorStore(DType dtype, Device device) {
        this.manager = Engine.root().newSubManager(device.djl());
        this.dtype = dtype;
    }

    public DType dtype() { return dtype; }

    public Device device() { return Device.of(manager.getDevice()); }

    public Tensor create(String name, HostTensor h) { return create(name, h, dtype); }

    /** A tensor held in another dtype than the store's (rope tables stay fp32 in an fp16 store). */
    public Tensor create(String name, HostTensor h, DType as) {
        if (h.numel() > CHUNK) return load(name, TensorSource.of(java.util.Map.of(name, h)), as);   // DJL stages whole arrays in one buffer
        HostTraffic.upload(h.data().length);
        NDArray a = StepScope.owned(manager.create(h.data(), new Shape(h.shape())));
        if (as != DType.F32) {
            NDArray cast = a.toType(Tensor.djl(as), false);
            a.close();
            a = cast;
        }
        return register(new Tensor(a, name));
    }

    /** Streams one tensor of a source into this store, chunk by chunk, without a whole host copy. */
    public Tensor load(String name, TensorSource source) { return load(name, source, dtype); }

    public Tensor load(String name, TensorSource source, DType as) {
        long[] shape = source.shape(name);
        if (shape == null) throw new IllegalArgumentException("no tensor " + name + " in the weight source");
        NDArray target = manager.create(new Shape(shape), Tensor.djl(as));        // uninitialised until filled
        long n = HostTensor.numel(shape);
        try (NDArray flat = target.reshape(n)) {                                   // a view sharing target's memory
            ByteBuffer staging = STAGING.get();
            for (long done = 0; done < n; ) {
                int count = (int) Math.min(CHUNK, n - done);
                staging.clear().limit(count * Float.BYTES);
                source.read(name, done, staging.asFloatBuffer());
                if (as == DType.F16) requireHalfRange(name, staging.asFloatBuffer(), done);
                copyChunk(flat, done, count, staging);
                done += count;
            }
        }
        return register(new Tensor(target, name));
    }

    /** Values that round to fp16 infinity: half-way past the largest finite half, 65504. */
    private static final float HALF_OVERFLOW = 65520f;

    /**
     * A half-precision store would turn values past fp16's range into infinities, silently; such a
     * checkpoint (bf16 reaches 3e38) needs an fp32 base instead.
     */
    private static void requireHalfRange(String name, java.nio.FloatBuffer values, long offset) {
        for (int i = 0; i < values.remaining(); i++) {
            float v = values.get(i);
            if (Math.abs(v) >= HALF_OVERFLOW)
                throw new IllegalArgumentException(name + " holds " + v + " at index " + (offset + i)
                        + ", beyond the fp16 range (largest finite value 65504): load it with --base-dtype fp32");
        }
    }

    /**
     * Copies {@code count} staged fp32 values into flat[at, at+count); the copy converts to the stored
     * dtype in place, so no converted temporary is allocated (temporaries fragment the native heap).
     */
    private void copyChunk(NDArray flat, long at, int count, ByteBuffer staging) {
        // a CPU array made from a direct buffer aliases it, so it must be closed before the buffer is reused
        HostTraffic.upload(count);
        try (NDArray chunk = manager.create(staging, new Shape(count), DataType.FLOAT32)) {
            flat.set(new NDIndex(at + ":" + (at + count)), chunk);
        }
    }

    public Tensor zeros(String name, long... shape) {
        return register(new Tensor(manager.zeros(new Shape(shape), Tensor.djl(dtype)), name));
    }

    /** Copies a scoped tensor into this store (detached from any graph). */
    public Tensor adopt(String name, Tensor t) {
        NDArray copy = t.nd().stopGradient();
        copy.attach(manager);
        NDArray typed = copy.getDataType() == Tensor.djl(dtype) ? copy : copy.toType(Tensor.djl(dtype), false);
        return register(new Tensor(typed, name));
    }

    private Tensor register(Tensor t) {
        tensors.add(t);
        return t;
    }

    /** Frees one tensor of this store. */
    public void release(Tensor t) {
        if (tensors.remove(t)) t.nd().close();
    }

    public List<Tensor> tensors() { return new ArrayList<>(tensors); }

    /** Bytes held by this store's tensors. */
    public long bytes() {
        long b = 0;
        for (Tensor t : tensors) b += t.numel() * t.dtype().bytes();
        return b;
    }

    void tempAttachTo(NDManager scope) {
        for (Tensor t : tensors) {
            t.nd().tempAttach(scope);
        }
    }

    @Override public void close() {
        tensors.clear();
        manager.close();
    }
}
