package dev.shear.graph;

import dev.shear.engine.Engine;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.engine.TensorStore;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraLinear;
import dev.shear.model.Architecture;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Tiny models and host-side edits of parameter slices for the graph tests. */
final class GraphFixtures {
    private GraphFixtures() {}

    /** stories260K's shape: dim 64, hidden 172, 5 layers, 8 heads, 4 kv heads, vocab 512, seq 512, tied. */
    static ModelConfig stories260k() {
        return ModelConfig.llama(64, 172, 5, 8, 4, 512, 512, true).withRopeLayout(RopeLayout.ADJACENT);
    }

    /** A Pythia-style GPT-NeoX: LayerNorm with bias, fused per-head QKV, rotary on a quarter of each head, GELU MLP. */
    static ModelConfig pythia(int layers, boolean parallelResidual) {
        LayerWidths w = new LayerWidths(4, 4, 16, 96);
        return new ModelConfig(Architecture.NEOX, 64, 96, 64, Collections.nCopies(layers, w), 1e-5, 10000.0, RopeLayout.HALF,
                0.25, false, true, true, true, parallelResidual, 0, 0);
    }

    static int[][] tokens(int vocab, long seed) {
        Random r = new Random(seed);
        int[][] ids = new int[2][7];
        for (int[] row : ids) for (int j = 0; j < row.length; j++) row[j] = r.nextInt(vocab);
        return ids;
    }

    static double[] logits(CausalLm model, int[][] ids) {
        try (StepScope s = Engine.openScope(model.store())) {
            return model.forward(s.tokens(ids)).toDoubles();
        }
    }

    /** max |a - b| / max |a|. */
    static double maxRelDiff(double[] a, double[] b) {
        double diff = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        return diff / scale;
    }

    static TensorStore[] stores(CausalLm model, LoraAdapters adapters) {
        return adapters == null ? new TensorStore[] {model.store()} : new TensorStore[] {model.store(), adapters.store()};
    }

    /** Every LoRA B random (PEFT starts them at zero, which would hide any B row mistake). */
    static void randomizeLoraB(LoraAdapters adapters, long seed) {
        Random r = new Random(seed);
        try (StepScope s = Engine.openScope(adapters.store())) {
            for (LoraLinear l : adapters.modules().values()) l.loraB().assign(gaussian(r, l.loraB().numel(), 0.05));
        }
    }

    /** Every bias random (CausalLm.random leaves them zero, which would hide a missing bias slice). */
    static void randomizeBiases(CausalLm model, long seed) {
        Random r = new Random(seed);
        try (StepScope s = Engine.openScope(model.store())) {
            for (var e : model.params().entrySet())
                if (e.getKey().endsWith(".bias")) e.getValue().assign(gaussian(r, e.getValue().numel(), 0.05));
        }
    }

    private static float[] gaussian(Random r, long n, double std) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * std);
        return v;
    }

    /** Sets the cut rows or columns to zero. */
    static void zero(DependencyGraph g, List<Cut> cuts, TensorStore... stores) { edit(g, cuts, null, stores); }

    /** Fills the cut rows or columns with random values. */
    static void randomize(DependencyGraph g, List<Cut> cuts, long seed, TensorStore... stores) { edit(g, cuts, new Random(seed), stores); }

    private static void edit(DependencyGraph g, List<Cut> cuts, Random r, TensorStore... stores) {
        try (StepScope s = Engine.openScope(stores)) {
            for (Cut c : cuts) {
                Tensor t = g.param(c.param());
                long[] shape = t.shape();
                float[] v = toFloats(t.toDoubles());
                long cols = shape.length == 1 ? 1 : shape[1];
                for (int i : c.indices()) {
                    if (c.axis() == Slice.Axis.OUT) for (long j = 0; j < cols; j++) v[(int) (i * cols + j)] = value(r);
                    else for (long row = 0; row < shape[0]; row++) v[(int) (row * cols + i)] = value(r);
                }
                t.assign(v);
            }
        }
    }

    private static float value(Random r) { return r == null ? 0f : (float) (r.nextGaussian() * 0.5); }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];   // every value was made from a float, so this is exact
        return f;
    }

    /** About a third of 0..n-1, at least one, never all; reproducible. */
    static int[] someOf(int n, Random r) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) all.add(i);
        Collections.shuffle(all, r);
        int k = Math.max(1, Math.min(n - 1, n / 3));
        return all.subList(0, k).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
}
