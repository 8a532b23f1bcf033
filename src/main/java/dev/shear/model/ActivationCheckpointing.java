package dev.shear.model;

import dev.shear.engine.Engine;
import dev.shear.engine.GradientTape;
import dev.shear.engine.RngState;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-layer activation checkpointing, trading one extra forward for memory. Under a gradient tape the
 * decoder layers run untaped and only each layer's input is kept; when the loss's backward has
 * reached the top, each layer is recomputed with the tape, last first, and fed its output gradient.
 * Without a tape (evaluation) each layer's temporaries are freed as soon as it is done. A layer's
 * dropout draws from a forked generator state, restored for the recompute, so masks match.
 */
final class ActivationCheckpointing {
    private ActivationCheckpointing() {}

    /**
     * @param x          (B, T, D) embedded tokens from position 0
     * @param embedGrads whether x depends on weights that take gradients (a trainable embedding)
     * @return (B, T, D) the last layer's output
     */
    static Tensor forward(List<Block> blocks, Tensor x, AttentionMasks bias, boolean embedGrads) {
        GradientTape tape = GradientTape.active();
        return tape == null ? LayerScopes.forward(blocks, 0, blocks.size(), x, 0, bias, null) : taped(blocks, x, bias, tape, embedGrads);
    }

    private static Tensor taped(List<Block> blocks, Tensor x, AttentionMasks bias, GradientTape tape, boolean embedGrads) {
        StepScope here = Engine.scope();
        List<Tensor> inputs = new ArrayList<>(blocks.size());
        List<RngState> rng = new ArrayList<>(blocks.size());
        Tensor h = x.detach();
        try (GradientTape.Paused untaped = GradientTape.pause()) {
            for (Block b : blocks) {
                inputs.add(h);
                rng.add(Engine.forkRng());
                try (StepScope layer = Engine.openScope()) {
                    h = b.forward(h, 0, bias, null).moveTo(here);                     // (B, T, D)
                }
            }
        }
        Tensor top = h;
        top.requireGrad(true);                  // a leaf: the head's backward stops here and leaves dL/dtop
        tape.afterBackward(() -> recompute(blocks, inputs, rng, top, embedGrads ? x : null, bias, tape));
        return top;
    }

    /**
     * Backward through the layers, last first: recompute with the tape, push the gradient one layer
     * down; finally into the embedding when {@code x} (then non-null) carries a graph.
     */
    private static void recompute(List<Block> blocks, List<Tensor> inputs, List<RngState> rng, Tensor top,
                                  Tensor x, AttentionMasks bias, GradientTape tape) {
        StepScope here = Engine.scope();
        Tensor g = top.grad();                                                         // (B, T, D)
        for (int i = blocks.size() - 1; i >= 0; i--) {
            Tensor in = inputs.get(i), gIn;
            in.requireGrad(true);
            try (StepScope layer = Engine.openScope()) {
                rng.get(i).restore();
                tape.backward(blocks.get(i).forward(in, 0, bias, null), g);
                gIn = in.grad().moveTo(here);
            }
            g.free();
            in.free();
            g = gIn;
        }
        if (x != null) tape.backward(x, g);
        g.free();
    }
}
