package dev.shear.plan;

import dev.shear.engine.HostTensor;
import dev.shear.lora.LoraConfig;
import dev.shear.model.ModelConfig;
import dev.shear.model.WeightNames;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Parameter counts of a config, read off the same weight table the loader checks against. */
final class WeightInventory {
    private final ModelConfig c;
    private final Map<String, long[]> shapes;

    WeightInventory(ModelConfig c) {
        this.c = c;
        this.shapes = WeightNames.expectedShapes(c);
    }

    long params() {
        long n = 0;
        for (long[] s : shapes.values()) n += HostTensor.numel(s);
        return n;
    }

    /** fp32 rotary tables: cos and sin, (maxSeqLen, rd/2) for each distinct rotary width. */
    long ropeTableBytes() {
        Set<Integer> widths = new HashSet<>();
        for (int i = 0; i < c.numLayers(); i++) widths.add(c.rotaryDim(i));
        long e = 0;
        for (int rd : widths) e += 2L * c.maxSeqLen() * (rd / 2);
        return 4 * e;
    }

    /** A (r, in) and B (out, r) of every targeted projection. */
    long loraParams(LoraConfig lora) {
        if (lora == null) return 0;
        long n = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            if (!isProjection(e.getKey(), e.getValue())) continue;
            String module = e.getKey().substring(0, e.getKey().length() - ".weight".length());
            if (lora.targets(module)) n += (long) lora.rank() * (e.getValue()[0] + e.getValue()[1]);
        }
        return n;
    }

    /** Projection weights and biases of one layer (what an fp16 base widens to fp32 when the layer runs). */
    long layerProjectionParams(int layer) {
        String[] prefixes = {"model.layers." + layer + ".", "gpt_neox.layers." + layer + "."};
        long n = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String k = e.getKey();
            boolean inLayer = k.startsWith(prefixes[0]) || k.startsWith(prefixes[1]);
            if (inLayer && !k.contains("norm")) n += HostTensor.numel(e.getValue());
        }
        return n;
    }

    /** Layer 0's q, k, v (or fused qkv): their inputs need no gradient, so widened copies are not saved for backward. */
    long layerZeroInputProjections() {
        long n = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String k = e.getKey();
            if ((k.startsWith("model.layers.0.self_attn.") && !k.contains("o_proj") && !k.contains("norm"))
                    || k.startsWith("gpt_neox.layers.0.attention.query_key_value"))
                n += HostTensor.numel(e.getValue());
        }
        return n;
    }

    /** The output projection to the vocabulary (the input embedding when tied). */
    long headParams() { return (long) c.vocabSize() * c.hiddenSize(); }

    long largestMatrix() {
        long m = headParams();
        for (long[] s : shapes.values()) if (s.length == 2) m = Math.max(m, HostTensor.numel(s));
        return m;
    }

    private boolean isProjection(String name, long[] shape) {
        return name.endsWith(".weight") && shape.length == 2 && !name.equals(WeightNames.inputEmbedding(c));
    }
}
