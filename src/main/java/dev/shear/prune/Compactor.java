package dev.shear.prune;

import dev.shear.engine.HostTensor;
import dev.shear.graph.Cut;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.WeightNames;
import dev.shear.model.WidthInference;
import dev.shear.model.WidthPadding;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds the compact dense model from a group-sparse one (docs/method.md, "Compaction"): output rows first, then the
 * input columns that depended on them, then new per-layer widths. LoRA must already be merged:
 * pruned structures have zero B rows, so merging before slicing equals merging after.
 */
public final class Compactor {
    private Compactor() {}

    /**
     * The compact model a method's decision describes: its structures sliced away, its bias shift
     * applied, and layers padded with zero MLP channels where width alignment asked for more than
     * they had. The model itself is left as it is.
     */
    public static CausalLm compact(CausalLm model, StructureSet set, Decision d) {
        CausalLm compact = compact(model, set, d.removed(), d.biasShift());
        return MlpAlignment.needsPadding(d.padTo()) ? padded(compact, d.padTo()) : compact;
    }

    /** Zero channels past a layer's original width, so its MLP reaches the aligned size. */
    private static CausalLm padded(CausalLm compact, List<Integer> padTo) {
        try (compact) {
            ModelConfig c = compact.config();
            List<LayerWidths> target = MlpAlignment.padded(c.layers(), padTo);
            return CausalLm.fromWeights(c.withLayers(target), WidthPadding.pad(c, compact.toHost(), target), compact.computeDtype());
        }
    }

    /**
     * @param biasShift per output-biased weight (o_proj / down_proj), a vector added to its bias:
     *                  FLAP's compensation for the removed channels' mean input; may be empty
     */
    public static CausalLm compact(CausalLm model, StructureSet set, List<StructureRef> removed, Map<String, double[]> biasShift) {
        Map<String, HostTensor> w = model.toHost();
        Map<String, TreeSet<Integer>> rows = new HashMap<>(), cols = new HashMap<>();
        for (StructureRef r : removed)
            for (List<Cut> cuts : List.of(set.get(r).zeroed(), set.get(r).dependent()))
                for (Cut c : cuts)
                    for (int i : c.indices()) (c.columns() ? cols : rows).computeIfAbsent(c.param(), k -> new TreeSet<>()).add(i);
        ModelConfig cfg = model.config();
        if (!biasShift.isEmpty() && !cfg.outputBias()) {
            cfg = cfg.withBiases(cfg.attentionBias(), true);
            for (Map.Entry<String, long[]> e : WeightNames.expectedShapes(cfg).entrySet())
                if (!w.containsKey(e.getKey())) w.put(e.getKey(), new HostTensor(e.getValue(), new float[(int) HostTensor.numel(e.getValue())]));
        }
        for (Map.Entry<String, double[]> e : biasShift.entrySet()) {
            float[] b = w.get(SliceMath.bias(e.getKey())).data();
            for (int i = 0; i < b.length; i++) b[i] += (float) e.getValue()[i];
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        for (Map.Entry<String, HostTensor> e : w.entrySet()) {
            HostTensor t = slice(e.getValue(), rows.getOrDefault(e.getKey(), new TreeSet<>()), cols.getOrDefault(e.getKey(), new TreeSet<>()));
            out.put(e.getKey(), t);
            shapes.put(e.getKey(), t.shape());
        }
        ModelConfig compact = WidthInference.infer(cfg, shapes);
        return CausalLm.fromWeights(compact, out, model.dtype());                  // an fp16 base stays fp16
    }

    /** Drops rows then columns. */
    static HostTensor slice(HostTensor t, TreeSet<Integer> dropRows, TreeSet<Integer> dropCols) {
        if (dropRows.isEmpty() && dropCols.isEmpty()) return t;
        long[] shape = t.shape();
        int r = (int) shape[0], c = shape.length == 1 ? 1 : (int) shape[1];
        int[] keepR = keep(r, dropRows), keepC = keep(c, dropCols);
        float[] d = new float[keepR.length * keepC.length];
        for (int i = 0; i < keepR.length; i++)
            for (int j = 0; j < keepC.length; j++) d[i * keepC.length + j] = t.data()[keepR[i] * c + keepC[j]];
        return shape.length == 1 ? HostTensor.of(d, keepR.length) : HostTensor.of(d, keepR.length, keepC.length);
    }

    private static int[] keep(int n, TreeSet<Integer> drop) {
        int[] k = new int[n - drop.size()];
        int p = 0;
        for (int i = 0; i < n; i++) if (!drop.contains(i)) k[p++] = i;
        return k;
    }
}
