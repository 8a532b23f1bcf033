package dev.shear.train;

import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.GradientTape;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.List;

/**
 * One optimizer step over one or more micro-batches (gradient accumulation). Everything made in
 * the step is freed when it returns; only numbers leave.
 */
public final class TrainStep {
    private TrainStep() {}

    /** Result of one step: mean loss over the micro-batches, gradient norm, and whether it was applied. */
    public record Result(double loss, double gradNorm, boolean applied, long tokens) {}

    public static Result run(LoraAdapters adapters, Optimizer optimizer, List<TokenBatch> microBatches, double lr) {
        return run(adapters, optimizer, microBatches, lr, TrainLoss.CROSS_ENTROPY, 0);
    }

    /** @param step the optimizer step's index, for losses that look data up by it (a precomputed teacher) */
    public static Result run(LoraAdapters adapters, Optimizer optimizer, List<TokenBatch> microBatches, double lr, TrainLoss lossFn, long step) {
        CausalLm model = adapters.model();
        long tokens = 0;
        double loss;
        adapters.setTraining(true);
        try (StepScope outer = Engine.openScope(model.store(), adapters.store())) {
            List<Tensor> losses = new ArrayList<>();      // stay on the device: read once, after the last micro-batch
            for (int micro = 0; micro < microBatches.size(); micro++) {
                TokenBatch mb = microBatches.get(micro);
                try (StepScope s = Engine.openScope(model.store(), adapters.store());
                     GradientTape tape = GradientTape.record()) {
                    Tensor logits = model.forward(s.tokens(mb.inputs()));                     // (B, T, V)
                    Tensor l = lossFn.compute(s, step, micro, mb, logits, s.tokens(mb.targets()), weights(s, mb, model));   // ()
                    tape.backward(l.mul(1.0 / microBatches.size()));
                    losses.add(l.detach().upcast(DType.F64).moveTo(outer));
                    tokens += mb.scoredTokens();
                }
            }
            Tensor sum = null;
            for (Tensor l : losses) sum = sum == null ? l : sum.add(l);
            loss = sum == null ? Double.NaN : sum.item() / microBatches.size();
        } finally {
            adapters.setTraining(false);
        }
        if (!Double.isFinite(loss)) {
            zeroGrads(adapters);
            return new Result(loss, Double.NaN, false, tokens);
        }
        optimizer.step(lr);
        double norm = optimizer instanceof AdamW a ? a.lastGradNorm() : Double.NaN;
        return new Result(loss, norm, true, tokens);
    }

    private static Tensor weights(StepScope s, TokenBatch mb, CausalLm model) {
        int b = mb.weights().length, t = mb.weights()[0].length;
        float[] flat = new float[b * t];
        for (int i = 0; i < b; i++) System.arraycopy(mb.weights()[i], 0, flat, i * t, t);
        return s.floats(flat, model.computeDtype(), b, t);
    }

    static void zeroGrads(LoraAdapters adapters) {
        try (StepScope s = Engine.openScope(adapters.store())) {
            for (Tensor p : adapters.trainable()) p.zeroGrad();
        }
    }
}
