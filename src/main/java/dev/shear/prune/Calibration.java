package dev.shear.prune;

import dev.shear.data.TokenBatch;
import dev.shear.engine.Engine;
import dev.shear.engine.GradientTape;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.model.CausalLm;
import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Statistics from calibration batches: per projection input channel, Σx and Σx² over tokens (Wanda,
 * FLAP), and optionally full-weight gradients of the LM loss (LLM-Pruner's Taylor score). Every
 * batch's contribution is added on the host in double, so statistics collected over shards of the
 * batches and summed ({@link Sums#plus}) equal those of all the batches at once to rounding in double.
 */
public final class Calibration {
    private final Map<String, double[]> sum = new HashMap<>();
    private final Map<String, double[]> sumSq = new HashMap<>();
    private final Map<String, HostTensor> gradients = new LinkedHashMap<>();
    private final Map<String, double[]> second = new HashMap<>();      // Σ x xᵀ (in × in, row-major) for the modules asked for
    private java.util.Set<String> covarianceOf = java.util.Set.of();
    private final Map<String, Gradient> gradientSums = new LinkedHashMap<>();
    private long tokens;

    private Calibration() {}

    /**
     * Collects the statistics of a model over calibration batches. A cluster collects them over
     * shards of the batches on its own copies of the base model and sums them.
     */
    public interface Collector {
        Calibration collect(CausalLm model, List<TokenBatch> batches, boolean withGradients);
    }

    /**
     * What a set of batches adds up to, to be summed with other shards' and sent between processes:
     * Σx and Σx² per module, each weight's gradient summed over batches, and the tokens.
     */
    public record Sums(Map<String, double[]> sum, Map<String, double[]> sumSq, Map<String, Gradient> gradients, long tokens) implements Serializable {
        public Sums {
            sum = new LinkedHashMap<>(sum);
            sumSq = new LinkedHashMap<>(sumSq);
            gradients = new LinkedHashMap<>(gradients);
        }

        /** Both shards' statistics, element by element (the same model saw both: the keys agree). */
        public Sums plus(Sums o) {
            if (!sum.keySet().equals(o.sum.keySet()) || !gradients.keySet().equals(o.gradients.keySet()))
                throw new IllegalArgumentException("calibration: the shards observed different modules or weights");
            Map<String, Gradient> g = new LinkedHashMap<>();
            for (Map.Entry<String, Gradient> e : gradients.entrySet()) g.put(e.getKey(), e.getValue().plus(o.gradients.get(e.getKey())));
            return new Sums(added(sum, o.sum), added(sumSq, o.sumSq), g, tokens + o.tokens);
        }

        private static Map<String, double[]> added(Map<String, double[]> a, Map<String, double[]> b) {
            Map<String, double[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, double[]> e : a.entrySet()) out.put(e.getKey(), Gradient.add(e.getValue(), b.get(e.getKey())));
            return out;
        }
    }

    /** One weight's gradient summed over batches, in double. */
    public record Gradient(long[] shape, double[] sum) implements Serializable {
        Gradient plus(Gradient o) { return new Gradient(shape, add(sum, o.sum)); }

        HostTensor toHost() {
            float[] f = new float[sum.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) sum[i];
            return HostTensor.of(f, shape);
        }

        static double[] add(double[] a, double[] b) {
            if (a.length != b.length) throw new IllegalArgumentException("calibration: shards of " + a.length + " and " + b.length + " values");
            double[] out = a.clone();
            for (int i = 0; i < out.length; i++) out[i] += b[i];
            return out;
        }
    }

    /** Statistics from sums, e.g. of several shards. */
    public static Calibration of(Sums s) {
        Calibration c = new Calibration();
        c.sum.putAll(s.sum());
        c.sumSq.putAll(s.sumSq());
        c.tokens = s.tokens();
        for (Map.Entry<String, Gradient> e : s.gradients().entrySet()) {
            c.gradientSums.put(e.getKey(), e.getValue());
            c.gradients.put(e.getKey(), e.getValue().toHost());
        }
        return c;
    }

    /** The sums behind these statistics. */
    public Sums sums() { return new Sums(new java.util.TreeMap<>(sum), new java.util.TreeMap<>(sumSq), gradientSums, tokens); }

    public static Calibration collect(CausalLm model, List<TokenBatch> batches, boolean withGradients) {
        return collect(model, batches, withGradients, java.util.Set.of());
    }

    /** @param covarianceOf modules whose full input second moment Σ x xᵀ is kept (for {@link ObsSelection}) */
    public static Calibration collect(CausalLm model, List<TokenBatch> batches, boolean withGradients, java.util.Set<String> covarianceOf) {
        Calibration c = new Calibration();
        c.covarianceOf = java.util.Set.copyOf(covarianceOf);
        model.setActivationObserver((module, x) -> c.observe(module, x));
        try {
            for (TokenBatch b : batches) {
                try (StepScope s = Engine.openScope(model.store())) {
                    model.forward(s.tokens(b.inputs())).sum().item();
                }
                c.tokens += (long) b.inputs().length * b.inputs()[0].length;
            }
        } finally {
            model.setActivationObserver(null);
        }
        if (withGradients) c.collectGradients(model, batches);
        return c;
    }

    private void observe(String module, Tensor x) {
        long in = x.dim(-1);
        Tensor flat = x.detach().reshape(-1, in);                                   // (N, in)
        add(sum, module, flat.sum(0, false).toDoubles());
        add(sumSq, module, flat.square().sum(0, false).toDoubles());
        if (covarianceOf.contains(module)) add(second, module, flat.transpose(1, 0).matmul(flat).upcast(dev.shear.engine.DType.F64).toDoubles());   // (in, in)
    }

    /** Σ x xᵀ over calibration tokens of a module's input, row-major (in × in). */
    public double[] secondMoment(String module) { return require(second, module); }

    private static void add(Map<String, double[]> m, String k, double[] v) {
        double[] acc = m.computeIfAbsent(k, key -> new double[v.length]);
        for (int i = 0; i < v.length; i++) acc[i] += v[i];
    }

    private static void add(Map<String, double[]> m, String k, float[] v) {
        double[] acc = m.computeIfAbsent(k, key -> new double[v.length]);
        for (int i = 0; i < v.length; i++) acc[i] += v[i];
    }

    /**
     * Gradients of the summed LM loss w.r.t. every base weight, each batch's added on the host in
     * double rather than accumulated by the engine in fp32, so that shards of the batches sum to the
     * same values; the weights are frozen again afterwards.
     */
    private void collectGradients(CausalLm model, List<TokenBatch> batches) {
        List<Tensor> ws = List.copyOf(model.params().values());
        Map<String, double[]> acc = new LinkedHashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        try (StepScope s = Engine.openScope(model.store())) {
            for (Tensor w : ws) w.requireGrad(true);
        }
        try {
            for (TokenBatch b : batches) {
                try (StepScope s = Engine.openScope(model.store())) {
                    for (Tensor w : ws) w.zeroGrad();
                }
                try (StepScope s = Engine.openScope(model.store()); GradientTape tape = GradientTape.record()) {
                    Tensor logits = model.forward(s.tokens(b.inputs()));
                    Tensor w = s.floats(flatten(b.weights()), model.computeDtype(), b.weights().length, b.weights()[0].length);
                    tape.backward(Ops.crossEntropy(logits, s.tokens(b.targets()), w));
                }
                try (StepScope s = Engine.openScope(model.store())) {
                    for (Map.Entry<String, Tensor> e : model.params().entrySet()) {
                        HostTensor g = e.getValue().grad().toHost();
                        shapes.putIfAbsent(e.getKey(), g.shape());
                        add(acc, e.getKey(), g.data());
                    }
                }
            }
            for (Map.Entry<String, double[]> e : acc.entrySet()) {
                Gradient g = new Gradient(shapes.get(e.getKey()), e.getValue());
                gradientSums.put(e.getKey(), g);
                gradients.put(e.getKey(), g.toHost());
            }
        } finally {
            try (StepScope s = Engine.openScope(model.store())) {
                for (Tensor w : ws) { w.zeroGrad(); w.requireGrad(false); }
            }
        }
    }

    private static float[] flatten(float[][] m) {
        float[] out = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
        return out;
    }

    public long tokens() { return tokens; }

    /** ‖X_j‖₂ over calibration tokens for each input channel of a projection. */
    public double[] inputNorm(String module) {
        double[] sq = require(sumSq, module);
        double[] out = new double[sq.length];
        for (int j = 0; j < sq.length; j++) out[j] = Math.sqrt(sq[j]);
        return out;
    }

    public double[] inputMean(String module) {
        double[] s = require(sum, module);
        double[] out = new double[s.length];
        for (int j = 0; j < s.length; j++) out[j] = s[j] / tokens;
        return out;
    }

    /** Sample variance of each input channel over calibration tokens (FLAP's fluctuation). */
    public double[] inputVariance(String module) {
        double[] mean = inputMean(module), sq = require(sumSq, module);
        double[] out = new double[sq.length];
        for (int j = 0; j < sq.length; j++) out[j] = Math.max(0, (sq[j] - tokens * mean[j] * mean[j]) / Math.max(1, tokens - 1));
        return out;
    }

    public HostTensor gradient(String param) {
        HostTensor g = gradients.get(param);
        if (g == null) throw new IllegalStateException("no calibration gradient for " + param + " (collect with gradients)");
        return g;
    }

    private static double[] require(Map<String, double[]> m, String module) {
        double[] v = m.get(module);
        if (v == null) throw new IllegalStateException("no calibration activations for " + module);
        return v;
    }
}
