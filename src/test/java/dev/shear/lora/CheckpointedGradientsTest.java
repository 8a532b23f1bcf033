package dev.shear.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.GradientTape;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.testing.SmallModels;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.TrainStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Per-layer activation checkpointing changes memory, not gradients. */
class CheckpointedGradientsTest {
    static final int[][] TOKENS = {{1, 5, 9, 3, 17, 2, 30, 11, 4}, {1, 22, 4, 4, 8, 31, 0, 7, 19}};
    static final List<String> BASE = List.of("model.embed_tokens.weight", "model.layers.1.self_attn.q_proj.bias",
            "model.layers.0.mlp.down_proj.bias", "model.layers.1.input_layernorm.weight", "model.norm.weight");

    /** fp32, LoRA on every projection plus trainable base tensors (embedding included): measured max diff 0 (bit-identical). */
    @Test void llamaGradientsAreIdenticalWithAndWithoutCheckpointing() {
        double diff = maxRelativeDifference(SmallModels.llamaPerLayer(), LoraConfig.ALL_TARGETS, BASE);
        System.out.println("llama checkpointed vs plain gradients: max relative difference " + diff);
        assertTrue(diff <= 1e-6, "max relative difference " + diff);
    }

    @Test void neoxGradientsAreIdenticalWithAndWithoutCheckpointing() {
        double diff = maxRelativeDifference(SmallModels.neoxPerLayer(), List.of("qkv", "dense", "h_to_4h", "4h_to_h"),
                List.of("gpt_neox.embed_in.weight", "gpt_neox.layers.0.input_layernorm.bias"));
        System.out.println("neox checkpointed vs plain gradients: max relative difference " + diff);
        assertTrue(diff <= 1e-6, "max relative difference " + diff);
    }

    /** The real training path: three AdamW steps give the same losses and adapters either way. */
    @Test void trainStepsMatchWithAndWithoutCheckpointing() {
        List<Double> plain = new ArrayList<>(), ckpt = new ArrayList<>();
        float[] a = trainedAdapters(false, plain), b = trainedAdapters(true, ckpt);
        assertEquals(plain, ckpt);
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        assertTrue(worst <= 1e-6, "adapters differ by " + worst);
    }

    /**
     * With dropout the recompute must draw the forward's masks: the checkpointed gradient is checked
     * against finite differences of the checkpointed loss itself (fp64, fixed seed), which it only
     * matches if both passes saw the same masks.
     */
    @Test void checkpointedDropoutGradientsMatchFiniteDifferences() {
        try (CausalLm model = CausalLm.random(SmallModels.llamaPerLayer(), 7, DType.F64)) {
            model.setCheckpointActivations(true);
            LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 2, 4, 0.3, 3));
            GradientCheckTest.randomizeB(ad);
            ad.setTraining(true);
            List<Tensor> ps = ad.trainable();
            double[][] analytic = gradients(model, ad, ps);
            assertNotEquals(loss(model, ad), lossWithoutDropout(model, ad), "dropout must be active");
            Random rnd = new Random(2);
            for (int trial = 0; trial < 12; trial++) {
                Tensor p = ps.get(rnd.nextInt(ps.size()));
                int idx = rnd.nextInt((int) p.numel());
                double fd = finiteDifference(model, ad, p, idx);
                double g = analytic[ps.indexOf(p)][idx];
                double err = Math.abs(fd - g) / (Math.abs(fd) + Math.abs(g) + 1e-4);
                assertTrue(err < 1e-5, p.name() + "[" + idx + "]: checkpointed autograd " + g + ", finite difference " + fd);
            }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static double maxRelativeDifference(ModelConfig cfg, List<String> targets, List<String> base) {
        try (CausalLm model = CausalLm.random(cfg, 7, DType.F32)) {
            LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(targets, 2, 4, 0, 3));
            GradientCheckTest.randomizeB(ad);
            List<Tensor> checked = new ArrayList<>(ad.trainable());
            for (String n : base) checked.add(model.param(n));
            for (Tensor t : checked) t.requireGrad(true);
            double[][] plain = gradients(model, ad, checked);
            model.setCheckpointActivations(true);
            double[][] ckpt = gradients(model, ad, checked);
            double scale = 0, diff = 0;
            for (int p = 0; p < plain.length; p++) {
                for (int i = 0; i < plain[p].length; i++) {
                    scale = Math.max(scale, Math.abs(plain[p][i]));
                    diff = Math.max(diff, Math.abs(plain[p][i] - ckpt[p][i]));
                }
            }
            assertTrue(scale > 0);
            return diff / scale;
        }
    }

    private static float[] trainedAdapters(boolean checkpoint, List<Double> losses) {
        try (CausalLm model = CausalLm.random(SmallModels.llamaPerLayer(), 7, DType.F32)) {
            model.setCheckpointActivations(checkpoint);
            LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 2, 4, 0, 3));
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                for (int k = 0; k < 3; k++) losses.add(TrainStep.run(ad, opt, List.of(TokenBatch.causal(TOKENS)), 1e-2).loss());
            }
            float[] out = new float[0];
            for (var e : ad.toHost().values()) {
                float[] grown = java.util.Arrays.copyOf(out, out.length + e.data().length);
                System.arraycopy(e.data(), 0, grown, out.length, e.data().length);
                out = grown;
            }
            return out;
        }
    }

    private static Tensor lossTensor(CausalLm model, StepScope s) {
        TokenBatch b = TokenBatch.causal(TOKENS);
        int rows = b.inputs().length, cols = b.inputs()[0].length;
        Tensor w = s.floats(new float[rows * cols], model.computeDtype(), rows, cols).add(1.0);
        return Ops.crossEntropy(model.forward(s.tokens(b.inputs())), s.tokens(b.targets()), w);
    }

    private static double[][] gradients(CausalLm model, LoraAdapters ad, List<Tensor> params) {
        try (StepScope s = Engine.openScope(model.store(), ad.store())) {
            for (Tensor p : params) p.zeroGrad();
            Engine.seed(42);
            try (GradientTape tape = GradientTape.record()) {
                tape.backward(lossTensor(model, s));
            }
            double[][] g = new double[params.size()][];
            for (int i = 0; i < g.length; i++) g[i] = params.get(i).grad().toDoubles();
            return g;
        }
    }

    /** The checkpointed loss as a function of the weights: same seed, and a tape so the taped path (and its masks) runs. */
    private static double loss(CausalLm model, LoraAdapters ad) {
        try (StepScope s = Engine.openScope(model.store(), ad.store())) {
            Engine.seed(42);
            try (GradientTape tape = GradientTape.record()) {
                return lossTensor(model, s).item();
            }
        }
    }

    private static double lossWithoutDropout(CausalLm model, LoraAdapters ad) {
        ad.setTraining(false);
        try {
            return loss(model, ad);
        } finally {
            ad.setTraining(true);
        }
    }

    private static double finiteDifference(CausalLm model, LoraAdapters ad, Tensor t, int idx) {
        double h = 1e-6;
        double[] orig;
        try (StepScope s = Engine.openScope(ad.store())) { orig = t.toDoubles(); }
        double[] w = orig.clone();
        w[idx] = orig[idx] + h;
        set(ad, t, w);
        double up = loss(model, ad);
        w[idx] = orig[idx] - h;
        set(ad, t, w);
        double down = loss(model, ad);
        set(ad, t, orig);
        return (up - down) / (2 * h);
    }

    private static void set(LoraAdapters ad, Tensor t, double[] values) {
        try (StepScope s = Engine.openScope(ad.store())) { t.assign(values); }
    }
}
