package dev.shear.model;

import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Keys and values of past positions per layer, each (B, Hkv, S, hd), owned by a long-lived scope.
 * A {@link #fork} gives each new row a copy of one row's first few positions (a shared prompt
 * scored with several continuations); its rows continue at their own positions.
 */
public final class KvCache {
    private final StepScope owner;
    private final Tensor[] keys;
    private final Tensor[] values;
    private int length;
    /** Positions each row holds when rows differ (a fork); slots past them are padding. Null: all rows hold length. */
    private final int[] rowLengths;
    private boolean forkStepped;

    public KvCache(StepScope owner, int layers) { this(owner, new Tensor[layers], new Tensor[layers], 0, null); }

    private KvCache(StepScope owner, Tensor[] keys, Tensor[] values, int length, int[] rowLengths) {
        this.owner = owner;
        this.keys = keys;
        this.values = values;
        this.length = length;
        this.rowLengths = rowLengths;
    }

    /** Slots per row (the longest row's positions for a fork). */
    public int length() { return length; }

    /**
     * A cache whose row i holds the first lengths[i] positions of this cache's row rows[i]. The fork
     * takes one step: each row's tokens continue at its own position and never see the padding slots.
     */
    public KvCache fork(StepScope owner, int[] rows, int[] lengths) {
        if (rows.length == 0 || rows.length != lengths.length)
            throw new IllegalArgumentException("kv fork: " + rows.length + " rows with " + lengths.length + " lengths");
        if (rowLengths != null) throw new IllegalArgumentException("kv fork: a fork cannot be forked again");
        long batch = Arrays.stream(keys).filter(k -> k != null).mapToLong(k -> k.dim(0)).findFirst().orElse(Long.MAX_VALUE);
        for (int i = 0; i < rows.length; i++)
            if (lengths[i] < 0 || lengths[i] > length || rows[i] < 0 || rows[i] >= batch)
                throw new IllegalArgumentException("kv fork: row " + rows[i] + " length " + lengths[i] + " outside a cache of "
                        + length + " positions");
        Tensor[] k = new Tensor[keys.length], v = new Tensor[values.length];
        long[] index = Arrays.stream(rows).asLongStream().toArray();
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] == null) continue;                                          // a layer without heads keeps nothing
            Tensor at = owner.longs(index, index.length);
            k[l] = keys[l].take(at).moveTo(owner);                                  // (R, Hkv, S, hd)
            v[l] = values[l].take(at).moveTo(owner);
        }
        return new KvCache(owner, k, v, length, lengths.clone());
    }

    boolean forked() { return rowLengths != null; }

    /** Rejects a second step on a fork: its padded rows would leave gaps before the new slots. */
    void checkStep() {
        if (forkStepped) throw new IllegalStateException("kv fork: a forked cache takes one step");
    }

    /** Per row, the position its next token takes (a fork). */
    int[] rowLengths() { return rowLengths.clone(); }

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
    void advance(int tokens) {
        length += tokens;
        if (rowLengths != null) forkStepped = true;
    }
}
