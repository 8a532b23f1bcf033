package dev.shear.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A memory lifetime: a DJL sub-manager that owns every temporary created while it is open.
 * The stores' arrays are temp-attached, so ops on parameters land here and not in the store,
 * and return to their store on close: an op's result belongs to its first operand's manager, so
 * without this every step's temporaries would pile up in the parameters' store.
 */
public final class StepScope implements AutoCloseable {
    private final NDManager manager;
    private boolean closed;

    StepScope(NDManager manager, TensorStore[] stores) {
        this.manager = manager;
        for (TensorStore store : stores) store.tempAttachTo(manager);
    }

    NDManager manager() { return manager; }

    /**
     * A copy in libtorch-owned memory. On CPU, DJL builds an array from Java data around a direct
     * buffer that only the Java array object keeps alive: once it is closed the collector may free the
     * buffer while views, the autograd graph or another store still read it (use-after-free).
     */
    static NDArray owned(NDArray fromJava) {
        try (fromJava) {
            return fromJava.duplicate();
        }
    }

    /** Where the tensors this scope creates live. */
    public Device device() { return Device.of(manager.getDevice()); }

    /** Token ids (B, T) as int64. */
    public Tensor tokens(int[][] ids) {
        int b = ids.length, t = ids[0].length;
        long[] flat = new long[b * t];
        for (int i = 0; i < b; i++) {
            if (ids[i].length != t) throw new IllegalArgumentException("ragged token batch: row " + i + " has " + ids[i].length + ", expected " + t);
            for (int j = 0; j < t; j++) flat[i * t + j] = ids[i][j];
        }
        HostTraffic.upload(flat.length);
        return new Tensor(owned(manager.create(flat, new Shape(b, t))));
    }

    public Tensor longs(long[] values, long... shape) {
        HostTraffic.upload(values.length);
        return new Tensor(owned(manager.create(values, new Shape(shape))));
    }

    public Tensor floats(float[] values, DType dtype, long... shape) {
        HostTraffic.upload(values.length);
        NDArray a = owned(manager.create(values, new Shape(shape)));
        return new Tensor(dtype == DType.F32 ? a : a.toType(Tensor.djl(dtype), false));
    }

    public Tensor host(HostTensor h, DType dtype) { return floats(h.data(), dtype, h.shape()); }

    public Tensor zeros(DType dtype, long... shape) {
        return new Tensor(manager.zeros(new Shape(shape), Tensor.djl(dtype)));
    }

    public Tensor scalar(double v, DType dtype) {
        HostTraffic.upload(1);
        return dtype == DType.F64 ? new Tensor(owned(manager.create(v))) : new Tensor(owned(manager.create((float) v)).toType(Tensor.djl(dtype), false));
    }

    public Tensor randn(DType dtype, float std, long... shape) {
        return new Tensor(manager.randomNormal(0f, std, new Shape(shape), Tensor.djl(dtype)));
    }

    /** Uniform in [0, 1). */
    public Tensor rand(DType dtype, long... shape) {
        return new Tensor(manager.randomUniform(0f, 1f, new Shape(shape), Tensor.djl(dtype)));
    }

    /** Closes the scope; throws nothing. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        Engine.popScope(this);
        manager.close();
    }
}
