package dev.shear.lora;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.GradientTape;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Autograd against central finite differences in fp64, on every kind of parameter the model has. */
class GradientCheckTest {
    static final int[][] TOKENS = {{1, 5, 9, 3, 17, 2, 30}, {1, 22, 4, 4, 8, 31, 0}};

    @Test void loraAndBaseGradientsMatchFiniteDifferences() {
        ModelConfig cfg = ModelConfig.llama(16, 24, 2, 4, 2, 32, 16, true).withBiases(true, true)
                .withLayers(List.of(new LayerWidths(4, 2, 4, 24), new LayerWidths(2, 1, 4, 12)));
        try (CausalLm model = CausalLm.random(cfg, 7, DType.F64)) {
            LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 2, 4, 0, 3));
            randomizeB(ad);
            List<Tensor> checked = new java.util.ArrayList<>(ad.trainable());
            for (String n : List.of("model.embed_tokens.weight", "model.layers.1.self_attn.q_proj.bias",
                    "model.layers.0.mlp.down_proj.bias", "model.layers.1.input_layernorm.weight", "model.layers.0.self_attn.k_proj.weight"))
                checked.add(model.param(n));
            for (Tensor t : checked) t.requireGrad(true);
            double[][] analytic = analyticGradients(model, ad, checked);
            double worst = 0;
            Random rnd = new Random(1);
            for (int p = 0; p < checked.size(); p++) {
                for (int trial = 0; trial < 4; trial++) {
                    int idx = rnd.nextInt((int) checked.get(p).numel());
                    double fd = finiteDifference(model, ad, checked.get(p), idx);
                    double a = analytic[p][idx];
                    // the 1e-4 floor absorbs fp64 rounding in the difference quotient (about 1e-10 absolute here)
                    double err = Math.abs(fd - a) / (Math.abs(fd) + Math.abs(a) + 1e-4);
                    worst = Math.max(worst, err);
                    assertTrue(err < 1e-5, checked.get(p).name() + "[" + idx + "]: autograd " + a + ", finite difference " + fd);
                }
            }
            System.out.println("gradient check worst relative error " + worst);
        }
    }

    static void randomizeB(LoraAdapters ad) {
        Random rnd = new Random(5);
        try (StepScope s = Engine.openScope(ad.store())) {
            for (LoraLinear l : ad.modules().values()) {
                double[] b = new double[(int) l.loraB().numel()];
                for (int i = 0; i < b.length; i++) b[i] = rnd.nextGaussian() * 0.1;
                l.loraB().assign(b);
            }
        }
    }

    private static double loss(CausalLm model, StepScope s) {
        return lossTensor(model, s).item();
    }

    private static Tensor lossTensor(CausalLm model, StepScope s) {
        TokenBatch b = TokenBatch.causal(TOKENS);
        Tensor logits = model.forward(s.tokens(b.inputs()));
        return Ops.crossEntropy(logits, s.tokens(b.targets()), s.floats(new float[b.inputs().length * b.inputs()[0].length], DType.F64,
                b.inputs().length, b.inputs()[0].length).add(1.0));
    }

    private static double[][] analyticGradients(CausalLm model, LoraAdapters ad, List<Tensor> checked) {
        try (StepScope s = Engine.openScope(model.store(), ad.store()); GradientTape tape = GradientTape.record()) {
            tape.backward(lossTensor(model, s));
            double[][] g = new double[checked.size()][];
            for (int i = 0; i < g.length; i++) g[i] = checked.get(i).grad().toDoubles();
            return g;
        }
    }

    private static double finiteDifference(CausalLm model, LoraAdapters ad, Tensor t, int idx) {
        double h = 1e-6;
        try (StepScope s = Engine.openScope(model.store(), ad.store())) {
            double[] orig = t.toDoubles();
            double[] w = orig.clone();
            w[idx] = orig[idx] + h;
            t.assign(w);
            double up = loss(model, s);
            w[idx] = orig[idx] - h;
            t.assign(w);
            double down = loss(model, s);
            t.assign(orig);
            return (up - down) / (2 * h);
        }
    }
}
