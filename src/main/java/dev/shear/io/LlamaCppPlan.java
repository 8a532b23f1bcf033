package dev.shear.io;

import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.ModelCost;
import dev.shear.model.WidthPadding;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape a model takes in a GGUF that llama.cpp runs, found by experiment with llama.cpp
 * (docs/llamacpp.md): the {@code llama} architecture needs uniform layers; {@code deci} runs
 * per-layer query heads, KV heads and MLP widths, but treats 0 MLP channels as "skip the whole
 * layer" and aborts on a layer 0 without heads. Where the model does not fit, layers are widened with zero weights ({@link WidthPadding}),
 * which keeps the function exactly; {@link #addedParams} is the price.
 *
 * @param changes one line per widened layer (or group of layers), for the report
 */
public record LlamaCppPlan(GgufArch arch, ModelConfig source, ModelConfig target, List<String> changes) {
    /** @param arch null picks llama for uniform models and deci otherwise; @param mlpMultiple round MLP widths up to this */
    public record Options(GgufArch arch, int mlpMultiple) {
        public static final Options AUTO = new Options(null, 1);

        public Options {
            if (mlpMultiple < 1 || mlpMultiple > 4096) throw new IllegalArgumentException("--align-mlp " + mlpMultiple + " must be in 1..4096");
        }
    }

    public LlamaCppPlan {
        changes = List.copyOf(changes);
    }

    public static LlamaCppPlan of(ModelConfig c, Options o) {
        List<String> changes = new ArrayList<>();
        List<LayerWidths> perLayer = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) perLayer.add(deciLayer(c, i, o.mlpMultiple(), changes));
        boolean uniform = perLayer.stream().distinct().count() == 1 && perLayer.get(0).numHeads() > 0;
        GgufArch arch = o.arch() != null ? o.arch() : uniform ? GgufArch.LLAMA : GgufArch.DECI;
        if (arch == GgufArch.DECI || uniform) return new LlamaCppPlan(arch, c, c.withLayers(perLayer), changes);
        LayerWidths u = WidthPadding.uniformTarget(perLayer, 1);
        changes.add("all layers: " + u.numHeads() + " heads / " + u.numKvHeads() + " KV heads, MLP " + u.intermediateSize()
                + " (llama.cpp's llama architecture needs identical layers; deci would keep per-layer widths)");
        return new LlamaCppPlan(arch, c, c.withLayers(java.util.Collections.nCopies(c.numLayers(), u)), changes);
    }

    /** deci runs any widths except an empty MLP (which drops the layer), a headless layer 0, and with output biases, an empty attention. */
    private static LayerWidths deciLayer(ModelConfig c, int i, int multiple, List<String> changes) {
        LayerWidths w = c.layer(i);
        int mlp = roundUp(Math.max(w.intermediateSize(), 1), multiple);
        if (mlp != w.intermediateSize())
            changes.add("layer " + i + ": MLP " + w.intermediateSize() + " -> " + mlp + (w.intermediateSize() == 0
                    ? " (deci skips a layer whose feed_forward_length is 0, attention included)" : " (aligned to " + multiple + ")"));
        LayerWidths out = w.withIntermediateSize(mlp);
        if (w.numHeads() == 0 && (i == 0 || c.outputBias())) {
            out = out.withHeads(1, 1);
            changes.add("layer " + i + ": 0 -> 1 zero head (" + (i == 0 ? "llama.cpp aborts loading a deci model whose layer 0 has no heads"
                    : "deci drops attention with its o_proj bias when a layer has no heads") + ")");
        }
        return out;
    }

    private static int roundUp(int x, int m) { return (x + m - 1) / m * m; }

    /** Parameters the padding adds (zero weights llama.cpp stores and multiplies). */
    public long addedParams() { return params(target) - params(source); }

    public static long params(ModelConfig c) { return ModelCost.of(c, 1, 4).params(); }

    /** The model in the target shape; the same object when nothing changes. */
    public LoadedModel apply(LoadedModel model) {
        if (target.equals(source)) return model;
        return new LoadedModel(target, WidthPadding.pad(source, model.weights(), target.layers()), model.source());
    }

    /** Lines for the user: architecture, every change and its parameter cost. */
    public List<String> report() {
        List<String> out = new ArrayList<>();
        out.add("llama.cpp architecture: " + arch.key + (target.isUniform() ? " (uniform layers)" : " (per-layer widths)"));
        out.addAll(changes);
        long added = addedParams(), base = params(source);
        out.add(added == 0 ? "no padding: llama.cpp runs the model as it is (" + base + " parameters)"
                : String.format("padding adds %d zero parameters (+%.2f%% of %d); the function is unchanged", added, 100.0 * added / base, base));
        return out;
    }
}
