package dev.shear.engine;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Named tensors read piece by piece, so a model can be built from a file without a second full
 * copy of its weights on the heap ({@link TensorStore#load}).
 */
public interface TensorSource {
    /** The shape of a tensor, or null when the source has none of that name. */
    long[] shape(String name);

    /** Writes values [offset, offset + dst.remaining()) of the row-major tensor, as fp32, into dst. */
    void read(String name, long offset, FloatBuffer dst);

    /** A source over tensors already on the heap. */
    static TensorSource of(Map<String, HostTensor> tensors) {
        return new TensorSource() {
            @Override public long[] shape(String name) {
                HostTensor t = tensors.get(name);
                return t == null ? null : t.shape();
            }

            @Override public void read(String name, long offset, FloatBuffer dst) {
                dst.put(tensors.get(name).data(), Math.toIntExact(offset), dst.remaining());
            }
        };
    }
}
