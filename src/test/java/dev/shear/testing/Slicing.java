package dev.shear.testing;

import dev.shear.engine.HostTensor;
import dev.shear.io.LoadedModel;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.WeightNames;
import dev.shear.model.WeightNames.Linear;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Pruned models with hand-chosen per-layer widths, cut out of a real one: the first KV groups, heads and channels. */
public final class Slicing {
    private Slicing() {}

    /**
     * @param heads per layer {query heads, KV heads}; a layer keeps its first KV groups and, in each,
     *              its first heads/kvHeads query heads (at most the original group size)
     * @param mlp   per layer, how many of the first MLP channels stay
     */
    public static LoadedModel slice(LoadedModel m, int[][] heads, int[] mlp) {
        ModelConfig c = m.config();
        Map<String, HostTensor> w = new LinkedHashMap<>(m.weights());
        List<LayerWidths> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            LayerWidths from = c.layer(i);
            int h = heads[i][0], kv = heads[i][1], hd = from.headDim(), g = from.groupSize();
            int per = kv == 0 ? 0 : h / kv;
            int[] qHeads = new int[h], kvHeads = new int[kv];
            for (int k = 0; k < kv; k++) {
                kvHeads[k] = k;
                for (int t = 0; t < per; t++) qHeads[k * per + t] = k * g + t;
            }
            w.put(Linear.Q.weight(i), rows(w.get(Linear.Q.weight(i)), qHeads, hd));
            w.put(Linear.K.weight(i), rows(w.get(Linear.K.weight(i)), kvHeads, hd));
            w.put(Linear.V.weight(i), rows(w.get(Linear.V.weight(i)), kvHeads, hd));
            w.put(Linear.O.weight(i), cols(w.get(Linear.O.weight(i)), qHeads, hd));
            if (w.containsKey(Linear.Q.bias(i))) {
                w.put(Linear.Q.bias(i), vector(w.get(Linear.Q.bias(i)), qHeads, hd));
                w.put(Linear.K.bias(i), vector(w.get(Linear.K.bias(i)), kvHeads, hd));
                w.put(Linear.V.bias(i), vector(w.get(Linear.V.bias(i)), kvHeads, hd));
            }
            int[] ch = new int[mlp[i]];
            for (int j = 0; j < ch.length; j++) ch[j] = j;
            w.put(Linear.GATE.weight(i), rows(w.get(Linear.GATE.weight(i)), ch, 1));
            w.put(Linear.UP.weight(i), rows(w.get(Linear.UP.weight(i)), ch, 1));
            w.put(Linear.DOWN.weight(i), cols(w.get(Linear.DOWN.weight(i)), ch, 1));
            layers.add(new LayerWidths(h, kv, hd, mlp[i]));
        }
        return new LoadedModel(c.withLayers(layers), w, null);
    }

    /** Layer 0 cut to its first KV group (with its query heads) and {@code mlp} channels; the other layers as they are. */
    public static LoadedModel firstLayerPruned(LoadedModel m, int mlp) {
        int n = m.config().numLayers();
        int[][] heads = new int[n][];
        int[] widths = new int[n];
        for (int i = 0; i < n; i++) {
            LayerWidths w = m.config().layer(i);
            heads[i] = i == 0 ? new int[] {w.groupSize(), 1} : new int[] {w.numHeads(), w.numKvHeads()};
            widths[i] = i == 0 ? mlp : w.intermediateSize();
        }
        return slice(m, heads, widths);
    }

    /** The same model with small random q/k/v, o_proj and down_proj biases. */
    public static LoadedModel withRandomBiases(LoadedModel m, long seed) {
        ModelConfig c = m.config().withBiases(true, true);
        Random rnd = new Random(seed);
        Map<String, HostTensor> w = new LinkedHashMap<>(m.weights());
        WeightNames.expectedShapes(c).forEach((name, shape) -> {
            if (w.containsKey(name)) return;
            float[] d = new float[(int) HostTensor.numel(shape)];
            for (int i = 0; i < d.length; i++) d[i] = (float) (rnd.nextGaussian() * 0.1);
            w.put(name, new HostTensor(shape, d));
        });
        return new LoadedModel(c, w, null);
    }

    static HostTensor rows(HostTensor t, int[] blocks, int size) {
        int cols = t.cols();
        float[] out = new float[blocks.length * size * cols];
        for (int j = 0; j < blocks.length; j++) System.arraycopy(t.data(), blocks[j] * size * cols, out, j * size * cols, size * cols);
        return HostTensor.of(out, (long) blocks.length * size, cols);
    }

    static HostTensor vector(HostTensor t, int[] blocks, int size) {
        HostTensor r = rows(t, blocks, size);
        return HostTensor.of(r.data(), r.data().length);
    }

    static HostTensor cols(HostTensor t, int[] blocks, int size) {
        int r = t.rows(), c = t.cols(), n = blocks.length * size;
        float[] out = new float[r * n];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < blocks.length; j++) System.arraycopy(t.data(), i * c + blocks[j] * size, out, i * n + j * size, size);
        return HostTensor.of(out, r, n);
    }
}
