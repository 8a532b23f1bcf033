package dev.shear.prune;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.graph.Cluster;
import dev.shear.graph.Cut;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraLinear;
import dev.shear.model.CausalLm;
import dev.shear.train.TrainingLoop;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA Half-Space Projected Gradient as a training-loop hook (docs/method.md, "LHSPG"). After warm-up, each of
 * P periods moves the lowest-saliency important structures into the active set; over the period
 * their base weights absorb s·BA, shrink linearly to zero (half-space projection may zero them
 * earlier), and their B rows are kept at zero, while LoRA on the kept structures takes over.
 */
public final class LhspgPruner implements TrainingLoop.StepHook {
    private final CausalLm model;
    private final LoraAdapters ad;
    private final StructureSet set;
    private final LhspgSchedule s;
    private final Mode mode;
    private final Saliency saliency;
    private final Map<Cluster, int[]> perPeriod = new EnumMap<>(Cluster.class);
    private final Map<Integer, int[]> groupPerPeriod = new java.util.TreeMap<>();   // when the plan fixes per-group counts
    private final List<StructureRef> active = new ArrayList<>();
    private final List<StructureRef> pruned = new ArrayList<>();
    private final List<PeriodLog> log = new ArrayList<>();
    private Map<String, HostTensor> initial;
    private int period;
    private java.util.function.Function<CausalLm, Calibration> calibrator;
    private PeriodPreview preview;
    private java.util.function.Function<java.util.Set<String>, Calibration> covariances;
    private double ridge;

    /**
     * PAPER: absorb s·BA, shrink, half-space projection, merge the important groups' BA at each period's
     * end; REFERENCE: the released code's linear decay of W and B rows, without absorption or projection;
     * OBS: at each period's start, LoRA folded in, the period's structures chosen and removed at once
     * by layer-by-layer structured OBS with the kept columns compensated, then LoRA trains on what is
     * left (see {@link #withObs}).
     */
    public enum Mode { PAPER, REFERENCE, OBS }

    /** Per period: what was selected, and the mean norm of the active structures at each step. */
    public record PeriodLog(int period, List<StructureRef> selected, List<Double> activeNorm) {}

    public LhspgPruner(CausalLm model, LoraAdapters ad, StructureSet set, Map<Cluster, Integer> targets,
                       LhspgSchedule schedule, Mode mode, Saliency saliency) {
        this.model = model;
        this.ad = ad;
        this.set = set;
        this.s = schedule;
        this.mode = mode;
        this.saliency = saliency;
        for (Map.Entry<Cluster, Integer> e : targets.entrySet()) perPeriod.put(e.getKey(), split(e.getValue(), s.periods()));
    }

    /** Recomputes calibration statistics at each selection, for activation-aware saliencies. */
    public LhspgPruner withCalibrator(java.util.function.Function<CausalLm, Calibration> c) {
        this.calibrator = c;
        return this;
    }

    /**
     * Takes each group's count from the plan instead of one count per cluster: K_g // P per period with the
     * remainder last, or in OBS mode spread evenly (so a group losing two periods' worth loses them apart,
     * each removal followed by training).
     */
    public LhspgPruner withQuotas(Map<Integer, Integer> quotas) {
        groupPerPeriod.clear();
        for (Map.Entry<Integer, Integer> e : quotas.entrySet())
            groupPerPeriod.put(e.getKey(), mode == Mode.OBS ? spread(e.getValue(), s.periods()) : split(e.getValue(), s.periods()));
        return this;
    }

    /**
     * For OBS mode: where the calibration second moments come from (the given modules, collected on the
     * model as it is at the call) and the ridge, as a fraction of the mean diagonal.
     */
    public LhspgPruner withObs(java.util.function.Function<java.util.Set<String>, Calibration> covariances, double ridge) {
        this.covariances = covariances;
        this.ridge = ridge;
        return this;
    }

    /** Shows each period's selection, removed, to a preview before the period starts: e.g. to weight the training data by what the removal costs each source. */
    public LhspgPruner withPreview(PeriodPreview p) {
        this.preview = p;
        return this;
    }

    /** K // P per period, the remainder in the last one (docs/method.md, "LHSPG"). */
    static int[] split(int k, int periods) {
        int[] out = new int[periods];
        java.util.Arrays.fill(out, k / periods);
        out[periods - 1] += k % periods;
        return out;
    }

    /** k spread over the periods: period p takes floor((p+1)k/P) − floor(pk/P). */
    static int[] spread(int k, int periods) {
        int[] out = new int[periods];
        for (int p = 0; p < periods; p++) out[p] = (int) ((long) (p + 1) * k / periods - (long) p * k / periods);
        return out;
    }

    public List<StructureRef> pruned() { return List.copyOf(pruned); }

    public List<StructureRef> active() { return List.copyOf(active); }

    public List<PeriodLog> log() { return List.copyOf(log); }

    @Override public boolean afterStep(long k) {
        long kk = k + 1;
        if (kk <= s.warmup()) return true;
        long t = (kk - s.warmup() - 1) % s.periodLength();
        if (t == 0 && period < s.periods()) startPeriod();
        if (!active.isEmpty()) {
            if (mode == Mode.PAPER) projectActive(t);
            else decayActive(t);
        }
        keepPrunedZero();
        if (t == s.periodLength() - 1 && kk <= s.totalSteps()) endPeriod();   // LoRA may train on after the last period
        return true;
    }

    private void startPeriod() {
        if (mode == Mode.OBS) { obsPeriod(); return; }
        if (initial == null) initial = model.toHost();
        ScoringContext ctx = new ScoringContext(set, model, ad, calibrator == null ? null : calibrator.apply(model)).withInitialWeights(initial);
        List<StructureRef> chosen = new ArrayList<>();
        Map<Integer, Integer> quota = new java.util.HashMap<>();                 // this period's share of each group's count
        for (Map.Entry<Integer, int[]> e : groupPerPeriod.entrySet()) quota.put(e.getKey(), e.getValue()[period]);
        for (Cluster c : Cluster.values()) {
            int want = perPeriod.getOrDefault(c, new int[s.periods()])[period];
            List<StructureRef> pool = new ArrayList<>(set.prunable(c));
            pool.removeAll(pruned);
            if (want == 0 || pool.isEmpty()) continue;
            double[] scores = saliency.score(ctx, pool);
            chosen.addAll(quota.isEmpty() ? Selector.select(pool, scores, Math.min(want, pool.size()), saliency.ranking())
                    : Selector.byQuota(pool, scores, quota));
        }
        if (preview != null && !chosen.isEmpty())
            Masking.whileRemoved(model, ad, set, chosen, () -> {
                preview.accept(model, List.copyOf(chosen));
                return null;
            });
        active.addAll(chosen);
        log.add(new PeriodLog(period, List.copyOf(chosen), new ArrayList<>()));
        period++;
    }

    private void obsPeriod() {
        if (groupPerPeriod.isEmpty()) throw new IllegalStateException("LHSPG in OBS mode needs the plan's per-group quotas");
        if (covariances == null) throw new IllegalStateException("LHSPG in OBS mode needs withObs");
        ad.foldAndReset();                          // OBS reconstructs what the layer computes now, LoRA included
        Map<Integer, Integer> quota = new java.util.TreeMap<>();
        for (Map.Entry<Integer, int[]> e : groupPerPeriod.entrySet()) quota.put(e.getKey(), e.getValue()[period]);
        List<StructureRef> chosen = ObsSelection.sequential(model, set, quota, covariances, ridge, new java.util.HashSet<>(pruned));
        if (preview != null && !chosen.isEmpty()) preview.accept(model, List.copyOf(chosen));
        Masking.zero(model, ad, set, chosen);
        pruned.addAll(chosen);
        log.add(new PeriodLog(period, List.copyOf(chosen), new ArrayList<>()));
        period++;
    }

    private void endPeriod() {
        if (mode != Mode.REFERENCE) ad.foldAndReset();   // important groups keep what LoRA learnt; B restarts at 0
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
                Tensor w = all.get(e.getKey());
                SliceOps.writeBack(w, SliceOps.scaled(sc, w, e.getValue(), f));
                Cut first = e.getValue().get(0);
                Tensor lora = first.lora() == null ? null : all.get(first.lora());    // B rows for row cuts, A columns for column cuts
                if (lora != null) SliceOps.writeBack(lora, SliceOps.scaled(sc, lora, e.getValue(), f));
            }
        }
        recordNorm();
    }

    /**
     * Paper mode, one step: absorb, shrink, half-space test, zero the LoRA slices (docs/method.md, "LHSPG", steps 1-4).
     * All on the engine, in fp32 (the heap version formed the step in fp64: the results differ by
     * float rounding); only per-row and per-column sums for the half-space test come to the heap.
     */
    private void projectActive(long t) {
        Map<String, Tensor> all = Masking.tensors(model, ad);
        Map<String, List<Cut>> byParam = cutsByParam(active);
        Map<Cut, double[]> cutStats = new IdentityHashMap<>();            // {⟨x̃, x⟩, ‖x‖²} per cut
        Map<String, Tensor> trial = new LinkedHashMap<>();
        try (StepScope sc = Engine.openScope(model.store(), ad.store())) {
            for (Map.Entry<String, List<Cut>> e : byParam.entrySet()) {
                String name = e.getKey();
                List<Cut> cuts = e.getValue();
                Tensor x = all.get(name);
                Tensor xt = trialStep(sc, x, deltaFor(name), cuts, s.periodLength() - t);
                trial.put(name, xt);
                Tensor xc = x.upcast(computeDtype(x));
                double[] dot = SliceOps.sums(xt.upcast(xc.dtype()).mul(xc), cuts), sq = SliceOps.sums(xc.square(), cuts);
                for (int i = 0; i < cuts.size(); i++) cutStats.put(cuts.get(i), new double[] {dot[i], sq[i]});
            }
            Map<String, List<Cut>> fail = new LinkedHashMap<>();
            for (StructureRef r : active) {
                double[] st = new double[2];
                for (Cut c : set.get(r).zeroed()) {
                    double[] cs = cutStats.get(c);
                    st[0] += cs[0];
                    st[1] += cs[1];
                }
                if (st[0] < s.epsilon() * st[1] || t == s.periodLength() - 1)
                    for (Cut c : set.get(r).zeroed()) fail.computeIfAbsent(c.param(), k -> new ArrayList<>()).add(c);
            }
            for (Map.Entry<String, Tensor> e : trial.entrySet()) {
                List<Cut> zero = fail.get(e.getKey());
                all.get(e.getKey()).assign(zero == null ? e.getValue() : SliceOps.zeroed(sc, e.getValue(), zero));
            }
        }
        Masking.zeroLora(model, ad, set, active);
        recordNorm();
    }

    /** x̃_g = x_g + s·[BA]_g − x_g / (T_p − t) on the active slices, other entries unchanged (fp16 stepped in fp32). */
    private static Tensor trialStep(StepScope sc, Tensor x, Tensor delta, List<Cut> cuts, long remaining) {
        Tensor xc = x.upcast(computeDtype(x));
        Tensor step = xc.sub(xc.div(sc.scalar(remaining, xc.dtype())));
        if (delta != null) step = step.add(delta);
        Tensor xt = step.dtype() == x.dtype() ? step : step.converted(x.dtype());
        return Tensor.where(SliceOps.covered(sc, x, cuts), xt, x);
    }

    /** The dtype the update computes in: fp32, or fp64 for an fp64 model. */
    private static DType computeDtype(Tensor x) { return x.dtype() == DType.F64 ? DType.F64 : DType.F32; }

    /** s·B·A (out, in) of the weight's adapter, or null for a bias or a weight without one. */
    private Tensor deltaFor(String param) {
        if (!param.endsWith(".weight")) return null;
        LoraLinear l = ad.modules().get(param.substring(0, param.length() - ".weight".length()));
        if (l == null) return null;
        return l.loraB().mul(l.scale()).matmul(l.loraA());
    }

    private Map<String, List<Cut>> cutsByParam(List<StructureRef> refs) {
        Map<String, List<Cut>> m = new LinkedHashMap<>();
        for (StructureRef r : refs) for (Cut c : set.get(r).zeroed()) m.computeIfAbsent(c.param(), k -> new ArrayList<>()).add(c);
        return m;
    }

    private void recordNorm() {
        if (log.isEmpty() || active.isEmpty()) return;
        Map<String, Tensor> all = Masking.tensors(model, ad);
        Map<Cut, Double> sq = new IdentityHashMap<>();
        double sum = 0;
        try (StepScope sc = Engine.openScope(model.store())) {
            for (Map.Entry<String, List<Cut>> e : cutsByParam(active).entrySet()) {
                Tensor w = all.get(e.getKey());
                double[] v = SliceOps.sums(w.upcast(computeDtype(w)).square(), e.getValue());
                for (int i = 0; i < v.length; i++) sq.put(e.getValue().get(i), v[i]);
            }
            for (StructureRef r : active) {
                double total = 0;
                for (Cut c : set.get(r).zeroed()) total += sq.get(c);
                sum += Math.sqrt(total);
            }
        }
        log.get(log.size() - 1).activeNorm().add(sum / active.size());
    }

    @Override public Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("period", period);
        m.put("active", refs(active));
        m.put("pruned", refs(pruned));
        if (preview != null) m.put("preview", preview.state());
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
        if (preview != null && st.get("preview") instanceof List<?> p) preview.restore(p.stream().map(x -> ((Number) x).doubleValue()).toList());
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
