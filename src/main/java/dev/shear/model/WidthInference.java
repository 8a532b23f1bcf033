package dev.shear.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads each layer's widths back from its weight shapes, after structures were sliced out. */
public final class WidthInference {
    private WidthInference() {}

    public static ModelConfig infer(ModelConfig base, Map<String, long[]> shapes) {
        List<LayerWidths> out = new ArrayList<>();
        for (int i = 0; i < base.numLayers(); i++) {
            LayerWidths w = base.layer(i);
            int hd = w.headDim();
            if (base.architecture() == Architecture.NEOX) {
                String p = "gpt_neox.layers." + i + ".";
                int heads = (int) (shapes.get(p + "attention.query_key_value.weight")[0] / (3L * hd));
                out.add(new LayerWidths(heads, heads, hd, (int) shapes.get(p + "mlp.dense_h_to_4h.weight")[0]));
            } else {
                String p = "model.layers." + i + ".";
                int heads = (int) (shapes.get(p + "self_attn.q_proj.weight")[0] / hd);
                int kv = (int) (shapes.get(p + "self_attn.k_proj.weight")[0] / hd);
                out.add(new LayerWidths(heads, kv, hd, (int) shapes.get(p + "mlp.gate_proj.weight")[0]));
            }
        }
        return base.withLayers(out);
    }
}
