package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.WeightNames;
import dev.shear.model.WidthAlignment;
import dev.shear.model.WidthPadding;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The shape a model is exported in: MLP widths aligned ({@link WidthAlignment}), then, when asked,
 * one shape for all layers so stock loaders (transformers' LlamaForCausalLM, llama2.c) accept it.
 * Uniform layers come from zero padding only ({@link WidthPadding}): the function is unchanged and
 * the added parameters are the price; trimming to the narrowest layer would change the function.
 *
 * @param uniform   pad every layer to one shape
 * @param fullHeads pad the query heads to hiddenSize / headDim, as llama2.c requires
 */
public record ExportShape(WidthAlignment align, boolean uniform, boolean fullHeads) {
    public static final ExportShape AS_IS = new ExportShape(WidthAlignment.NONE, false, false);

    public ExportShape {
        java.util.Objects.requireNonNull(align, "align");
    }

    /** @param changes one line per change, for the user */
    public record Result(LoadedModel model, List<String> changes) {
        public Result {
            changes = List.copyOf(changes);
        }
    }

    public Result apply(LoadedModel m) {
        ModelConfig c = m.config();
        Map<String, HostTensor> w = m.weights();
        List<String> changes = new ArrayList<>();
        if (align.active()) {
            changes.addAll(align.changes(c));
            w = align.apply(c, w);
            c = align.apply(c);
        }
        if (uniform || fullHeads) {
            LayerWidths u = WidthPadding.uniformTarget(c.layers(), fullHeads ? c.hiddenSize() / c.layer(0).headDim() : 1);
            if (!c.layers().stream().allMatch(u::equals)) {
                if (c.architecture() != Architecture.LLAMA)
                    throw new IllegalArgumentException("--uniform: only LLaMA-family layers can be padded, not " + c.architecture());
                changes.add("all layers: " + u.numHeads() + " heads / " + u.numKvHeads() + " KV heads, MLP " + u.intermediateSize()
                        + " (zero padding: one shape for stock loaders)");
                List<LayerWidths> target = Collections.nCopies(c.numLayers(), u);
                w = WidthPadding.pad(c, w, target);
                c = c.withLayers(target);
            }
            if (uniform && c.outputBias() && !(c.attentionBias() && c.mlpBias())) {
                changes.add("zero q/k/v and gate/up biases (stock LlamaForCausalLM has o_proj/down_proj biases only with all of them)");
                ModelConfig all = c.withBiases(true, true, true);
                w = withZeros(all, w);
                c = all;
            }
        }
        return new Result(new LoadedModel(c, w, m.source()), changes);
    }

    /** The weights plus a zero tensor for every one the config requires and they lack. */
    private static Map<String, HostTensor> withZeros(ModelConfig c, Map<String, HostTensor> w) {
        Map<String, HostTensor> out = new java.util.LinkedHashMap<>(w);
        WeightNames.expectedShapes(c).forEach((name, shape) -> out.computeIfAbsent(name, k -> new HostTensor(shape, new float[(int) HostTensor.numel(shape)])));
        return out;
    }
}
