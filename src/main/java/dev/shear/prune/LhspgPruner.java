package dev.shear.prune;

import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraLinear;
import dev.shear.lora.TrainingLoop;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA Half-Space Projected Gradient as a training-loop hook (method.md 4.3). After warm-up, each of
 * P periods moves the lowest-saliency important structures into the active set; over the period
 * their base weights absorb s·BA, shrink linearly to zero (half-space projection may zero them
 * earlier), and their B rows are kept at zero, while LoRA on the kept structures takes over.
 */
public final class LhspgPruner implements TrainingLoop.StepHook {
    private final CausalLm model;
    private final LoraAdapters ad;
    private final StructureSet set;
    private final LhspgSettings s;
    private final Saliency saliency;
    private final Map<Cluster, int[]> perPeriod = new EnumMap<>(Cluster.class);
    private final List<StructureRef> active = new ArrayList<>();
    private final List<StructureRef> pruned = new ArrayList<>();
    private final List<PeriodLog> log = new ArrayList<>();
    private Map<String, HostTensor> initial;
    private int period;
    private java.util.function.Function<CausalLm, Calibration> calibrator;
    private java.util.function.BiConsumer<CausalLm, List<StructureRef>> preview;

    /** Per period: what was selected, and the mean norm of the active structures at each step. */
    public record PeriodLog(int period, List<StructureRef> selected, List<Double> activeNorm) {}

    public LhspgPruner(CausalLm model, LoraAdapters ad, StructureSet set, Map<Cluster, Integer> targets,
                       LhspgSettings settings, Saliency saliency) {
        this.model = model;
        this.ad = ad;
        this.set = set;
        this.s = settings;
        this.saliency = saliency;
        for (Map.Entry<Cluster, Integer> e : targets.entrySet()) perPeriod.put(e.getKey(), split(e.getValue(), s.periods()));
    }

    /** Recomputes calibration statistics at each selection, for activation-aware saliencies. */
    public LhspgPruner withCalibrator(java.util.function.Function<CausalLm, Calibration> c) {
        this.calibrator = c;
        return this;
    }

    /**
     * Shows each period's selection, already removed, to a consumer before the period starts (the
     * weights are restored bit-exactly afterwards): e.g. to weight the training data by what the
     * removal will cost each source.
     */
    public LhspgPruner withPreview(java.util.function.BiConsumer<CausalLm, List<StructureRef>> p) {
        this.preview = p;
        return this;
    }

    /** K // P per period, the remainder in the last one (method.md A5). */
    static int[] split(int k, int periods) {
        int[] out = new int[periods];
        java.util.Arrays.fill(out, k / periods);
        out[periods - 1] += k % periods;
        return out;
    }

    public List<StructureRef> pruned() { return List.copyOf(pruned); }

    public List<StructureRef> active() { return List.copyOf(active); }

    public List<PeriodLog> log() { return List.copyOf(log); }

    @Override public boolean afterStep(long k) {
        long kk = k + 1;
        if (kk <= s.warmupSteps()) return true;
        long t = (kk - s.warmupSteps() - 1) % s.periodLength();
        if (t == 0 && period < s.periods()) startPeriod();
        if (!active.isEmpty()) {
            if (s.mode() == LhspgSettings.Mode.PAPER) projectActive(t);
            else decayActive(t);
        }
        keepPrunedZero();
        if (t == s.periodLength() - 1 && kk <= s.totalSteps()) endPeriod();   // LoRA may train on after the last period
        return true;
    }

    private void startPeriod() {
        if (initial == null) initial = model.toHost();
        ScoringContext ctx = new ScoringContext(set, model, ad, calibrator == null ? null : calibrator.apply(model)).withInitialWeights(initial);
        List<StructureRef> chosen = new ArrayList<>();
        for (Cluster c : Cluster.values()) {
            int want = perPeriod.getOrDefault(c, new int[s.periods()])[period];
            List<StructureRef> pool = new ArrayList<>(set.prunable(c));
            pool.removeAll(pruned);
            if (want == 0 || pool.isEmpty()) continue;
            chosen.addAll(Selector.select(pool, saliency.score(ctx, pool), Math.min(want, pool.size()), saliency.ranking()));
        }
        if (preview != null && !chosen.isEmpty()) {
            Map<String, HostTensor> saved = Masking.snapshot(model, ad, set, chosen);
            Masking.zero(model, ad, set, chosen);
            try {
                preview.accept(model, List.copyOf(chosen));
            } finally {
                Masking.restore(model, ad, saved);
            }
        }
        active.addAll(chosen);
        log.add(new PeriodLog(period, List.copyOf(chosen), new ArrayList<>()));
        period++;
    }

    private void endPeriod() {
        if (s.mode() == LhspgSettings.Mode.PAPER) ad.foldAndReset();   // important groups keep what LoRA learnt; B restarts at 0
        Masking.zero(model, ad, set, active);                         // exactly zero, whatever the projection did
        pruned.addAll(active);
        active.clear();
    }

    private void keepPrunedZero() {
        if (!pruned.isEmpty()) Masking.zero(model, ad, set, pruned);
    }

    /** Released-code mode: W and LoRA rows of active structures scaled by (T_p - t - 1)/(T_p - t). */
    private void decayActive(long t) {
        double f = (double) (s.periodLength() - t - 1) / (s.periodLength() - t);
        Map<String, Tensor> all = Masking.tensors(model, ad);
        try (StepScope sc = Engine.openScope(model.store(), ad.store())) {
            for (Map.Entry<String, List<Cut>> e : cutsByParam(active).entrySet()) {
                scaleSlices(sc, all.get(e.getKey()), e.getValue(), f);
                Cut first = e.getValue().get(0);
                if (first.lora() != null && all.containsKey(first.lora())) scaleSlices(sc, all.get(first.lora()), e.getValue(), f);
            }
        }
        recordNorm();
    }

    /** Paper mode, one step: absorb, shrink, half-space test, zero the LoRA slices (method.md 4.3 step 5). */
    private void projectActive(long t) {
        Map<String, Tensor> all = Masking.tensors(model, ad);
        Map<String, List<Cut>> byParam = cutsByParam(active);
        Map<StructureRef, double[]> stats = new HashMap<>();             // {⟨x̃, x⟩, ‖x‖²}
        Map<String, HostTensor> trial = new LinkedHashMap<>();
        try (StepScope sc = Engine.openScope(model.store(), ad.store())) {
            for (Map.Entry<String, List<Cut>> e : byParam.entrySet()) {
                String name = e.getKey();
                HostTensor x = all.get(name).toHost();
                HostTensor delta = deltaFor(name, all);
                HostTensor xt = trialStep(x, delta, e.getValue(), s.periodLength() - t);
                trial.put(name, xt);
                for (StructureRef r : active)
                    for (Cut c : set.get(r).zeroed())
                        if (c.param().equals(name)) {
                            double[] st = stats.computeIfAbsent(r, k -> new double[2]);
                            st[0] += SliceMath.dot(xt, x, c);
                            st[1] += SliceMath.sumSquares(x, c);
                        }
            }
            for (StructureRef r : active) {
                double[] st = stats.getOrDefault(r, new double[2]);
                if (st[0] < s.epsilon() * st[1] || t == s.periodLength() - 1)
                    for (Cut c : set.get(r).zeroed()) SliceMath.zero(trial.get(c.param()), c);
            }
            for (Map.Entry<String, HostTensor> e : trial.entrySet()) all.get(e.getKey()).assign(e.getValue().data());
        }
        Masking.zeroLora(model, ad, set, active);
        recordNorm();
    }

    /** x̃_g = x_g + s·[BA]_g − x_g / (T_p − t) on the active slices; other entries unchanged. */
    private static HostTensor trialStep(HostTensor x, HostTensor delta, List<Cut> cuts, long remaining) {
        float[] out = x.data().clone();
        float[] xd = x.data();
        float[] dd = delta == null ? null : delta.data();
        int cols = x.shape().length == 1 ? 1 : (int) x.shape()[1];
        HostTensor res = new HostTensor(x.shape(), out);
        for (Cut c : cuts)
            SliceMath.sum(x, c, (v, r, j) -> {
                int i = r * cols + j;
                out[i] = (float) (xd[i] + (dd == null ? 0 : dd[i]) - xd[i] / remaining);
                return 0;
            });
        return res;
    }

    private HostTensor deltaFor(String param, Map<String, Tensor> all) {
        if (!param.endsWith(".weight")) return null;
        LoraLinear l = ad.modules().get(param.substring(0, param.length() - ".weight".length()));
        if (l == null) return null;
        return ScoringContext.product(l.loraB().toHost(), l.loraA().toHost(), l.scale());
    }

    private static void scaleSlices(StepScope sc, Tensor t, List<Cut> cuts, double f) {
        HostTensor h = t.toHost();
        float[] d = h.data();
        int cols = h.shape().length == 1 ? 1 : (int) h.shape()[1];
        boolean isA = t.name() != null && t.name().endsWith("lora_A.weight");
        boolean isB = t.name() != null && t.name().endsWith("lora_B.weight");
        for (Cut c : cuts) {
            Cut target = isB ? new Cut(c.param(), false, c.indices(), null) : isA ? new Cut(c.param(), true, c.indices(), null) : c;
            SliceMath.sum(h, target, (v, r, j) -> {
                d[r * cols + j] *= (float) f;
                return 0;
            });
        }
        t.assign(d);
    }

    private Map<String, List<Cut>> cutsByParam(List<StructureRef> refs) {
        Map<String, List<Cut>> m = new LinkedHashMap<>();
        for (StructureRef r : refs) for (Cut c : set.get(r).zeroed()) m.computeIfAbsent(c.param(), k -> new ArrayList<>()).add(c);
        return m;
    }

    private void recordNorm() {
        if (log.isEmpty() || active.isEmpty()) return;
        Map<String, HostTensor> w = new HashMap<>();
        Map<String, Tensor> all = Masking.tensors(model, ad);
        double sum = 0;
        try (StepScope sc = Engine.openScope(model.store())) {
            for (StructureRef r : active) {
                double sq = 0;
                for (Cut c : set.get(r).zeroed()) sq += SliceMath.sumSquares(w.computeIfAbsent(c.param(), n -> all.get(n).toHost()), c);
                sum += Math.sqrt(sq);
            }
        }
        log.get(log.size() - 1).activeNorm().add(sum / active.size());
    }

    @Override public Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("period", period);
        m.put("active", refs(active));
        m.put("pruned", refs(pruned));
        return m;
    }

    @Override @SuppressWarnings("unchecked")
    public void restore(Map<String, Object> st) {
        if (st.isEmpty()) return;
        period = ((Number) st.get("period")).intValue();
        active.clear();
        active.addAll(unrefs((List<List<Number>>) st.get("active")));
        pruned.clear();
        pruned.addAll(unrefs((List<List<Number>>) st.get("pruned")));
    }

    @Override public Map<String, HostTensor> tensors() { return initial == null ? Map.of() : initial; }

    @Override public void restoreTensors(Map<String, HostTensor> t) { if (!t.isEmpty()) initial = new LinkedHashMap<>(t); }

    private static List<List<Integer>> refs(List<StructureRef> rs) {
        List<List<Integer>> out = new ArrayList<>();
        for (StructureRef r : rs) out.add(List.of(r.group(), r.structure()));
        return out;
    }

    private static List<StructureRef> unrefs(List<List<Number>> rs) {
        List<StructureRef> out = new ArrayList<>();
        for (List<Number> r : rs) out.add(new StructureRef(r.get(0).intValue(), r.get(1).intValue()));
        return out;
    }
}
