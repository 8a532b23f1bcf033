package dev.shear.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;

/**
 * One reusable wide buffer per thread, device and dtype, for widening fp16 weights in untaped passes.
 * A fresh widened copy per projection fragments the CPU heap: the small outputs that outlive each op
 * are carved out of the freed copies, so glibc can reuse none of them and an fp16 forward ends up as
 * resident as an fp32 one (measured). Untaped, nothing keeps the widened weight after its op, so one
 * buffer, grown to the largest matrix, serves every projection in turn; ops on one device run in order.
 */
final class WideningBuffer {
    private static final ThreadLocal<Map<String, NDArray>> BUFFERS = ThreadLocal.withInitial(HashMap::new);

    private WideningBuffer() {}

    /** {@code half} copied into the buffer as {@code to}: a view, valid until this thread's next call. Close it after use. */
    static NDArray widen(NDArray half, DataType to) {
        long n = half.size();
        Map<String, NDArray> buffers = BUFFERS.get();
        String key = half.getDevice() + "/" + to;
        NDArray buf = buffers.get(key);
        if (buf == null || buf.size() < n) {
            if (buf != null) buf.close();
            buf = Engine.root().create(new Shape(n), to, half.getDevice());
            buffers.put(key, buf);
        }
        NDArray view;
        try (NDArray head = buf.get(new NDIndex("0:" + n))) {
            view = head.reshape(half.getShape());
        }
        view.set(new NDIndex("..."), half);
        return view;
    }
}
