package dev.shear.model;

import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Tensor;
import dev.shear.engine.TensorStore;
import java.util.HashMap;
import java.util.Map;

/**
 * Rotary cos/sin tables (positions, rotaryDim / 2), one set per distinct (rotary dim, base,
 * scaling) among a model's layers, held in the model's store. Scalings that depend on the pass's
 * length (dynamic NTK, LongRoPE) get their tables for the length class a pass falls in; a dynamic
 * table for one length past the original context is rebuilt when the length changes.
 */
final class RopeTables {
    /** What a table depends on; {@code length} is -1 unless the scaling depends on it. */
    private record Key(int rotaryDim, double theta, RopeScaling scaling, int length) {}

    private final ModelConfig config;
    private final TensorStore store;
    private final DType dtype;
    private final Map<Key, Tensor[]> tables = new HashMap<>();

    RopeTables(ModelConfig config, TensorStore store, DType dtype) {
        this.config = config;
        this.store = store;
        this.dtype = dtype;
    }

    /** cos and sin for layer {@code layer} in a pass whose positions stay below {@code length}. */
    Tensor[] forLayer(int layer, int length) {
        Features f = config.features();
        RopeScaling s = f.ropeScaling(layer);
        Key key = new Key(config.rotaryDim(layer), f.ropeTheta(layer, config.ropeTheta()), s, lengthClass(s, length));
        Tensor[] t = tables.get(key);
        if (t == null) {
            if (s instanceof RopeScaling.Dynamic) dropOtherLengths(key);
            int rows = Math.max(config.maxSeqLen(), length);
            HostTensor[] host = Rope.tables(rows, key.rotaryDim(), s.inverseFrequencies(key.rotaryDim(), key.theta(), length), s.attentionFactor());
            t = new Tensor[] {store.create("rope.cos." + key, host[0], dtype), store.create("rope.sin." + key, host[1], dtype)};
            tables.put(key, t);
        }
        return t;
    }

    /** Lengths that give the same frequencies share a class: all of them for fixed scalings. */
    private static int lengthClass(RopeScaling s, int length) {
        if (s instanceof RopeScaling.LongRope l) return length > l.originalMax() ? 1 : 0;
        if (s instanceof RopeScaling.Dynamic d) return length > d.originalMax() ? length : 0;
        return -1;
    }

    /** A dynamic table for another length past the original context is not needed again soon: free it. */
    private void dropOtherLengths(Key keep) {
        tables.entrySet().removeIf(e -> {
            Key k = e.getKey();
            boolean stale = k.scaling().equals(keep.scaling()) && k.rotaryDim() == keep.rotaryDim() && k.length() > 0 && k.length() != keep.length();
            if (stale) for (Tensor x : e.getValue()) store.release(x);
            return stale;
        });
    }
}
