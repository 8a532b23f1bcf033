package dev.shear.testing;

import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import java.util.List;

/** Tiny configs that exercise the awkward shapes: grouped queries, biases, per-layer widths, partial rotary. */
public final class SmallModels {
    private SmallModels() {}

    /** LLaMA with q/k/v and output biases, GQA, and a different width in every layer. */
    public static ModelConfig llamaPerLayer() {
        return ModelConfig.llama(16, 24, 3, 4, 2, 32, 16, false).withBiases(true, true)
                .withLayers(List.of(new LayerWidths(4, 2, 4, 24), new LayerWidths(2, 1, 4, 12), new LayerWidths(4, 4, 4, 20)));
    }

    /** GPT-NeoX with rotary on half of each head and per-layer widths. */
    public static ModelConfig neoxPerLayer() {
        List<LayerWidths> layers = List.of(new LayerWidths(4, 4, 4, 32), new LayerWidths(2, 2, 4, 16));
        return new ModelConfig(Architecture.NEOX, 16, 32, 16, layers, 1e-5, 10000, RopeLayout.HALF, 0.5,
                false, true, true, true, true, 0, 2);
    }
}
