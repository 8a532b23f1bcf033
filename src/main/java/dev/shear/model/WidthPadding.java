package dev.shear.model;

import dev.shear.engine.HostTensor;
import dev.shear.model.WeightNames.Linear;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Widens layers without changing the function: extra MLP channels have zero gate/up rows and
 * zero down columns; extra query heads have zero q rows and zero o columns; a KV head may be
 * duplicated so that query heads regroup under a smaller group size (each copy serves part of
 * the original group). Used to meet a runtime's shape rules (uniform layers, aligned widths).
 */
public final class WidthPadding {
    private WidthPadding() {}

    /** The weights of {@code config} widened to {@code target} (same layer count and head size). */
    public static Map<String, HostTensor> pad(ModelConfig config, Map<String, HostTensor> weights, List<LayerWidths> target) {
        if (target.size() != config.numLayers())
            throw new IllegalArgumentException("padding: " + target.size() + " target layers for a " + config.numLayers() + "-layer model");
        Map<String, HostTensor> w = new LinkedHashMap<>(weights);
        for (int i = 0; i < target.size(); i++) {
            LayerWidths from = config.layer(i), to = target.get(i);
            if (to.headDim() != from.headDim() || to.intermediateSize() < from.intermediateSize())
                throw new IllegalArgumentException("padding: layer " + i + " " + from + " cannot widen to " + to);
            padMlp(config, w, i, to.intermediateSize());
            if (from.numHeads() != to.numHeads() || from.numKvHeads() != to.numKvHeads()) padAttention(config, w, i, from, to);
        }
        return w;
    }

    /**
     * The one layer shape all layers pad to: the most query heads (at least {@code minHeads}), the
     * largest group size that divides every layer's and the head count, the widest MLP.
     */
    public static LayerWidths uniformTarget(List<LayerWidths> layers, int minHeads) {
        int heads = Math.max(1, minHeads), group = 0, mlp = 1;
        for (LayerWidths w : layers) {
            heads = Math.max(heads, w.numHeads());
            if (w.numHeads() > 0) group = gcd(group, w.groupSize());
            mlp = Math.max(mlp, w.intermediateSize());
        }
        group = gcd(Math.max(group, 1), heads);
        return new LayerWidths(heads, heads / group, layers.get(0).headDim(), mlp);
    }

    private static int gcd(int a, int b) { return b == 0 ? a : gcd(b, a % b); }

    private static void padMlp(ModelConfig c, Map<String, HostTensor> w, int i, int size) {
        int[] keep = identity(c.layer(i).intermediateSize(), size);
        w.put(Linear.GATE.weight(i), rows(w.get(Linear.GATE.weight(i)), keep, 1));
        w.put(Linear.UP.weight(i), rows(w.get(Linear.UP.weight(i)), keep, 1));
        w.put(Linear.DOWN.weight(i), cols(w.get(Linear.DOWN.weight(i)), keep, 1));
        if (c.mlpBias()) {
            w.put(Linear.GATE.bias(i), rows(w.get(Linear.GATE.bias(i)), keep, 1));
            w.put(Linear.UP.bias(i), rows(w.get(Linear.UP.bias(i)), keep, 1));
        }
    }

    private static void padAttention(ModelConfig c, Map<String, HostTensor> w, int i, LayerWidths from, LayerWidths to) {
        int[][] map = headMap(from, to, i);
        int[] q = map[0], kv = map[1];
        int hd = from.headDim();
        w.put(Linear.Q.weight(i), rows(w.get(Linear.Q.weight(i)), q, hd));
        w.put(Linear.K.weight(i), rows(w.get(Linear.K.weight(i)), kv, hd));
        w.put(Linear.V.weight(i), rows(w.get(Linear.V.weight(i)), kv, hd));
        w.put(Linear.O.weight(i), cols(w.get(Linear.O.weight(i)), q, hd));
        if (c.attentionBias()) {
            w.put(Linear.Q.bias(i), rows(w.get(Linear.Q.bias(i)), q, hd));
            w.put(Linear.K.bias(i), rows(w.get(Linear.K.bias(i)), kv, hd));
            w.put(Linear.V.bias(i), rows(w.get(Linear.V.bias(i)), kv, hd));
        }
    }

    /**
     * For each target query head and KV head, the source head it copies, or -1 for zeros. Each
     * source KV head gets ceil(group / targetGroup) copies, each serving up to targetGroup of its
     * query heads in order; unused slots stay zero.
     */
    static int[][] headMap(LayerWidths from, LayerWidths to, int layer) {
        int g = from.groupSize(), tg = to.groupSize();
        int[] q = new int[to.numHeads()], kv = new int[to.numKvHeads()];
        Arrays.fill(q, -1);
        Arrays.fill(kv, -1);
        int next = 0;
        for (int k = 0; k < from.numKvHeads(); k++) {
            for (int start = 0; start < g; start += tg, next++) {
                if (next >= kv.length)
                    throw new IllegalArgumentException("padding: layer " + layer + " " + from + " does not fit " + to);
                kv[next] = k;
                for (int t = 0; t < tg && start + t < g; t++) q[next * tg + t] = k * g + start + t;
            }
        }
        return new int[][] {q, kv};
    }

    private static int[] identity(int n, int size) {
        int[] m = new int[size];
        for (int j = 0; j < size; j++) m[j] = j < n ? j : -1;
        return m;
    }

    /** Blocks of {@code block} rows: block j copies source block map[j], or zeros. Works on vectors too. */
    static HostTensor rows(HostTensor t, int[] map, int block) {
        int cols = t.shape().length == 2 ? (int) t.shape()[1] : 1, n = map.length * block;
        float[] out = new float[n * cols];
        for (int j = 0; j < map.length; j++)
            if (map[j] >= 0) System.arraycopy(t.data(), map[j] * block * cols, out, j * block * cols, block * cols);
        return t.shape().length == 2 ? HostTensor.of(out, n, cols) : HostTensor.of(out, n);
    }

    /** Blocks of {@code block} columns of a matrix, as {@link #rows}. */
    static HostTensor cols(HostTensor t, int[] map, int block) {
        int r = t.rows(), c = t.cols(), n = map.length * block;
        float[] out = new float[r * n];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < map.length; j++)
                if (map[j] >= 0) System.arraycopy(t.data(), i * c + map[j] * block, out, i * n + j * block, block);
        return HostTensor.of(out, r, n);
    }
}
