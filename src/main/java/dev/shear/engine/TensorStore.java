package dev.shear.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Long-lived tensors: model weights, LoRA parameters, optimizer state. Everything else lives in a
 * {@link StepScope}. Closing the store frees its native memory.
 */
public final class TensorStore implements AutoCloseable {
    private final NDManager manager;
    private final DType dtype;
    private final Set<Tensor> tensors = Collections.newSetFromMap(new IdentityHashMap<>());

    public TensorStore(DType dtype) {
        this.manager = Engine.root().newSubManager();
        this.dtype = dtype;
    }

    public DType dtype() { return dtype; }

    public Tensor create(String name, HostTensor h) {
        NDArray a = manager.create(h.data(), new Shape(h.shape()));
        if (dtype != DType.F32) {
            NDArray cast = a.toType(Tensor.djl(dtype), false);
            a.close();
            a = cast;
        }
        return register(new Tensor(a, name));
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
