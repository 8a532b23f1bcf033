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
        GgufArch arch = o.arch() != null ? o.arch() : auto(c);
        List<String> changes = new ArrayList<>(notes(c, arch));
        if (arch == GgufArch.DECI || arch == GgufArch.LLAMA) {
            String why = GgufExport.unsupported(c.withLayers(java.util.Collections.nCopies(c.numLayers(), firstWithHeads(c))), arch);
            if (why != null) throw new IllegalArgumentException("--arch " + arch.key + ": " + why);
            List<LayerWidths> perLayer = new ArrayList<>();
            for (int i = 0; i < c.numLayers(); i++) perLayer.add(deciLayer(c, i, o.mlpMultiple(), changes));
            boolean uniform = perLayer.stream().distinct().count() == 1 && perLayer.get(0).numHeads() > 0;
            if (arch == GgufArch.DECI || uniform) return new LlamaCppPlan(arch, c, c.withLayers(perLayer), changes);
            return uniformPlan(c, arch, perLayer, 1, changes);
        }
        List<LayerWidths> aligned = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            LayerWidths w = c.layer(i);
            int mlp = roundUp(Math.max(w.intermediateSize(), 1), o.mlpMultiple());
            if (mlp != w.intermediateSize()) changes.add("layer " + i + ": MLP " + w.intermediateSize() + " -> " + mlp);
            aligned.add(w.withIntermediateSize(mlp));
        }
        boolean allHeads = arch == GgufArch.QWEN2 || arch == GgufArch.PHI3;       // llama.cpp sizes their q and o by hidden_size
        if (allHeads && c.hiddenSize() % c.layer(0).headDim() != 0)
            throw new IllegalArgumentException("--arch " + arch.key + ": hidden_size " + c.hiddenSize() + " is no multiple of the head size " + c.layer(0).headDim());
        return uniformPlan(c, arch, aligned, allHeads ? c.hiddenSize() / c.layer(0).headDim() : 1, changes);
    }

    /** One width for all layers (padding with zero weights where they differ). */
    private static LlamaCppPlan uniformPlan(ModelConfig c, GgufArch arch, List<LayerWidths> perLayer, int minHeads, List<String> changes) {
        LayerWidths u = WidthPadding.uniformTarget(perLayer, minHeads);
        ModelConfig target = c.withLayers(java.util.Collections.nCopies(c.numLayers(), u));
        if (!target.equals(c))
            changes.add("all layers: " + u.numHeads() + " heads / " + u.numKvHeads() + " KV heads, MLP " + u.intermediateSize()
                    + " (llama.cpp's " + arch.key + " needs identical layers" + (minHeads > 1 ? " with all " + minHeads + " heads" : "")
                    + (perLayerFamily(c) ? "; deci would keep per-layer widths)" : "; no llama.cpp architecture runs per-layer widths for " + c.family().hfClass + ")"));
        String why = GgufExport.unsupported(target, arch);
        if (why != null) throw new IllegalArgumentException("gguf export (" + arch.key + "): " + why);
        return new LlamaCppPlan(arch, c, target, changes);
    }

    /** The architecture {@code --arch auto} picks: the family's own when its shapes fit, else llama (uniform) or deci. */
    static GgufArch auto(ModelConfig c) {
        GgufArch own = GgufArch.of(c.family());
        boolean llamaMath = perLayerFamily(c);
        if (own != null && (!llamaMath || GgufExport.unsupported(c, own) == null)) return own;
        return c.isUniform() && c.layers().stream().allMatch(l -> l.numHeads() > 0) ? GgufArch.LLAMA : GgufArch.DECI;
    }

    /** Families whose block is llama.cpp's llama/deci graph (after permuting q/k): per-layer widths through deci. */
    public static boolean perLayerFamily(ModelConfig c) {
        return GgufExport.unsupported(c.withLayers(java.util.Collections.nCopies(c.numLayers(), firstWithHeads(c))), GgufArch.DECI) == null;
    }

    private static LayerWidths firstWithHeads(ModelConfig c) {
        return c.layers().stream().filter(l -> l.numHeads() > 0).findFirst().orElse(c.layer(0));
    }

    /** What llama.cpp does differently from the model, though the file loads: sliding windows it does not apply. */
    private static List<String> notes(ModelConfig c, GgufArch arch) {
        int window = c.features().slidingWindow();
        boolean applied = arch == GgufArch.GEMMA2 || arch == GgufArch.GEMMA3;
        if (window == 0 || applied) return List.of();
        return List.of("note: llama.cpp's " + arch.key + " attends to the whole context, the model to its last " + window
                + " tokens: the GGUF matches it for sequences up to " + window + " tokens");
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
