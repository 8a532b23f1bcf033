package dev.shear.model;

import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import java.util.List;

/** Keys and values of past positions per layer, each (B, Hkv, S, hd), owned by a long-lived scope. */
public final class KvCache {
    private final StepScope owner;
    private final Tensor[] keys;
    private final Tensor[] values;
    private int length;

    public KvCache(StepScope owner, int layers) {
        this.owner = owner;
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
    }

    public int length() { return length; }

    /** Appends this step's k and v for a layer and returns the full (past + new) pair. */
    List<Tensor> append(int layer, Tensor k, Tensor v) {
        Tensor fullK = keys[layer] == null ? k.copy() : Tensor.concat(List.of(keys[layer], k), 2);
        Tensor fullV = values[layer] == null ? v.copy() : Tensor.concat(List.of(values[layer], v), 2);
        if (keys[layer] != null) { keys[layer].free(); values[layer].free(); }
        keys[layer] = fullK.moveTo(owner);
        values[layer] = fullV.moveTo(owner);
        return List.of(fullK, fullV);
    }

    /** Called once per forward step, after every layer has appended. */
    void advance(int tokens) { length += tokens; }
}
