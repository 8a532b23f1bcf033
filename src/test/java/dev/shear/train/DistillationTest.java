package dev.shear.train;

import dev.shear.data.TokenBatch;
import dev.shear.data.BatchSource;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.GradientTape;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The distillation loss against an independent fp64 computation of α·T²·KL(p_T ‖ q_T) + (1 − α)·CE,
 * its gradient against central finite differences, and its two limits: α = 0 is plain training,
 * top-k with k = vocabulary is the full distribution.
 */
class DistillationTest {
    static final int B = 2, T = 3, V = 7;

    /** An fp64 reference written from the formula: nothing shared with the engine's implementation. */
    static double reference(double[] student, double[] teacher, int[] targets, double[] weights, double alpha, double temp, int k) {
        double kd = 0, ce = 0, wsum = 0;
        for (int p = 0; p < B * T; p++) {
            double[] s = java.util.Arrays.copyOfRange(student, p * V, p * V + V);
            double[] t = java.util.Arrays.copyOfRange(teacher, p * V, p * V + V);
            Integer[] order = new Integer[V];
            for (int i = 0; i < V; i++) order[i] = i;
            java.util.Arrays.sort(order, (a, b) -> Double.compare(t[b], t[a]));
            double tmax = t[order[0]], tz = 0;
            for (int i = 0; i < k; i++) tz += Math.exp((t[order[i]] - tmax) / temp);
            double smax = java.util.Arrays.stream(s).max().orElseThrow(), sz = 0, sz1 = 0;
            for (double x : s) { sz += Math.exp((x - smax) / temp); sz1 += Math.exp(x - smax); }
            double kl = 0;
            for (int i = 0; i < k; i++) {
                int j = order[i];
                double logp = (t[j] - tmax) / temp - Math.log(tz);
                double logq = (s[j] - smax) / temp - Math.log(sz);
                kl += Math.exp(logp) * (logp - logq);
            }
            kd += weights[p] * kl;
            ce += weights[p] * -((s[targets[p]] - smax) - Math.log(sz1));
            wsum += weights[p];
        }
        return alpha * temp * temp * kd / wsum + (1 - alpha) * ce / wsum;
    }

    static double[] random(Random r, int n, double scale) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextGaussian() * scale;
        return x;
    }

    /** The engine's loss for given student logits, through {@link Distillation} with a fixed teacher. */
    static Tensor engineLoss(StepScope s, Tensor student, double[] teacher, int[] targets, double[] weights, DistillSettings d) {
        Teacher fixed = (sc, step, micro, mb) -> {
            Tensor logits = sc.floats(toFloats(teacher), DType.F64, B, T, V);
            logits.assign(teacher);
            if (d.k(V) >= V) return new Teacher.Targets(logits, null);
            Tensor[] top = logits.topK(d.k(V));
            return new Teacher.Targets(top[0], top[1]);
        };
        Tensor tg = s.longs(java.util.Arrays.stream(targets).asLongStream().toArray(), B, T);
        Tensor w = s.floats(toFloats(weights), DType.F64, B, T);
        w.assign(weights);
        return new Distillation(d, fixed).compute(s, 0, 0, null, student, tg, w);
    }

    static float[] toFloats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
    }

    record Case(double[] student, double[] teacher, int[] targets, double[] weights) {
        static Case random(long seed) {
            Random r = new Random(seed);
            int[] tg = new int[B * T];
            for (int i = 0; i < tg.length; i++) tg[i] = r.nextInt(V);
            double[] w = {1, 1, 0, 1, 1, 1};           // one masked position
            return new Case(DistillationTest.random(r, B * T * V, 2), DistillationTest.random(r, B * T * V, 2), tg, w);
        }
    }

    @Test void lossMatchesTheFormulaAndItsGradientMatchesFiniteDifferences() {
        Case c = Case.random(3);
        for (DistillSettings d : List.of(new DistillSettings(0.7, 2.0, 3), new DistillSettings(1.0, 0.5, null), new DistillSettings(0.3, 1.0, 1))) {
            double want = reference(c.student, c.teacher, c.targets, c.weights, d.alpha(), d.temperature(), d.k(V));
            double[] grad;
            double got;
            try (StepScope s = Engine.openScope(); GradientTape tape = GradientTape.record()) {
                Tensor x = s.floats(toFloats(c.student), DType.F64, B, T, V);
                x.assign(c.student);
                x.requireGrad(true);
                Tensor loss = engineLoss(s, x, c.teacher, c.targets, c.weights, d);
                got = loss.item();
                tape.backward(loss);
                grad = x.grad().toDoubles();
            }
            assertEquals(want, got, 1e-12 * Math.abs(want), d + ": loss");
            Random r = new Random(9);
            for (int trial = 0; trial < 12; trial++) {
                int i = r.nextInt(B * T * V);
                double h = 1e-6;
                double[] up = c.student.clone(), down = c.student.clone();
                up[i] += h;
                down[i] -= h;
                double fd = (engineValue(up, c, d) - engineValue(down, c, d)) / (2 * h);
                // the 1e-4 floor absorbs the quotient's fp64 rounding (about 1e-10 absolute with h = 1e-6)
                double err = Math.abs(fd - grad[i]) / (Math.abs(fd) + Math.abs(grad[i]) + 1e-4);
                assertTrue(err < 1e-6, d + " d/dlogit[" + i + "]: autograd " + grad[i] + ", finite difference " + fd);
                // a masked position contributes nothing
                if (i / V == 2) assertEquals(0.0, grad[i], 0.0);
            }
        }
    }

    private static double engineValue(double[] student, Case c, DistillSettings d) {
        try (StepScope s = Engine.openScope()) {
            Tensor x = s.floats(toFloats(student), DType.F64, B, T, V);
            x.assign(student);
            return engineLoss(s, x, c.teacher, c.targets, c.weights, d).item();
        }
    }

    @Test void topKOverTheWholeVocabularyEqualsTheFullDistribution() {
        Case c = Case.random(11);
        try (StepScope s = Engine.openScope()) {
            Tensor x = s.floats(toFloats(c.student), DType.F64, B, T, V);
            x.assign(c.student);
            Tensor t = s.floats(toFloats(c.teacher), DType.F64, B, T, V);
            t.assign(c.teacher);
            Tensor w = s.floats(toFloats(c.weights), DType.F64, B, T);
            w.assign(c.weights);
            Tensor[] top = t.topK(V);
            double viaTopK = Ops.distillation(x, top[0], top[1], 1.5, w).item();
            double full = Ops.distillationFull(x, t, 1.5, w).item();
            assertEquals(full, viaTopK, 1e-13 * Math.abs(full));
            // and k below the vocabulary does differ, so the comparison above can fail
            Tensor[] three = t.topK(3);
            assertTrue(Math.abs(Ops.distillation(x, three[0], three[1], 1.5, w).item() - full) > 1e-6);
        }
    }

    @Test void alphaZeroTrainsExactlyAsLanguageModelling() {
        ModelConfig cfg = ModelConfig.llama(16, 24, 2, 4, 2, 32, 16, true);
        int[][] rows = {{1, 5, 9, 3, 17, 2, 30, 4, 6}, {1, 22, 4, 4, 8, 31, 0, 7, 7}};
        Teacher never = (s, step, micro, mb) -> { throw new AssertionError("the teacher must not run at alpha 0"); };
        float[][] after = new float[2][];
        for (int run = 0; run < 2; run++) {
            TrainLoss loss = run == 0 ? TrainLoss.CROSS_ENTROPY : new Distillation(new DistillSettings(0, 2, 4), never);
            try (CausalLm model = CausalLm.random(cfg, 7, DType.F32)) {
                LoraAdapters ad = LoraAdapters.insert(model, new LoraConfig(LoraConfig.ALL_TARGETS, 2, 4, 0, 3));
                try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                    TrainingLoop.run(ad, opt, new TrainingLoop.Settings(5, new LrSchedule(1e-2, 1, 5, 0.1), 0, 1, 3, loss),
                            k -> List.of(TokenBatch.causal(rows)), TrainingLoop.NO_HOOK, dev.shear.engine.Progress.NONE, Checkpointer.NONE);
                }
                after[run] = ad.toHost().get("model.layers.1.mlp.up_proj.lora_B.weight").data();
                ad.discard();
            }
        }
        assertTrue(java.util.Arrays.stream(toDoubles(after[0])).anyMatch(v -> v != 0), "training moved B");
        assertArrayEquals(after[0], after[1], 0f);
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Test void badSettingsAreOneLineErrors() {
        assertEquals("distill: alpha 1.5 must be in [0, 1]", assertThrows(IllegalArgumentException.class, () -> DistillSettings.parse("alpha=1.5")).getMessage());
        assertEquals("distill: alpha -0.1 must be in [0, 1]", assertThrows(IllegalArgumentException.class, () -> DistillSettings.parse("alpha=-0.1")).getMessage());
        assertEquals("distill: alpha NaN must be in [0, 1]", assertThrows(IllegalArgumentException.class, () -> DistillSettings.parse("alpha=NaN")).getMessage());
        assertEquals("distill: temperature 0.0 must be a finite number > 0", assertThrows(IllegalArgumentException.class, () -> DistillSettings.parse("t=0")).getMessage());
        assertEquals("distill: temperature -2.0 must be a finite number > 0", assertThrows(IllegalArgumentException.class, () -> DistillSettings.parse("t=-2")).getMessage());
        assertEquals("distill: top_k 0 must be at least 1", assertThrows(IllegalArgumentException.class, () -> DistillSettings.parse("k=0")).getMessage());
        assertEquals("distill: unknown setting 'beta' (known: alpha, t, k)", assertThrows(IllegalArgumentException.class, () -> DistillSettings.parse("beta=1")).getMessage());
        assertEquals("distill: k 'x' is not a number", assertThrows(IllegalArgumentException.class, () -> DistillSettings.parse("k=x")).getMessage());
        assertEquals(new DistillSettings(0.5, 2, 32), DistillSettings.parse("alpha=0.5,t=2,k=32"));
        assertEquals(new DistillSettings(0.3, 1, null), DistillSettings.parse("alpha=0.3,k=all"));
        assertEquals(DistillSettings.OFF, DistillSettings.parse("off"));
    }
}
