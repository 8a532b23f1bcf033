package dev.shear.prune;

import dev.shear.engine.Progress;
import dev.shear.graph.Cluster;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Knowledge distribution analysis (LoRAShear Algorithm 3): prune each node group alone at each
 * ratio, measure the perplexity deviation, restore the group bit-exactly, and mark the γ_u most
 * sensitive groups unprunable. Works by masks on the one model; cost is groups × ratios evaluations.
 */
public final class KnowledgeDistribution {
    private KnowledgeDistribution() {}

    /** Measures a model's perplexity on the analysis set; the pipeline passes validation perplexity on held-out text. */
    public interface Probe {
        double perplexity(CausalLm model);

        /**
         * Runs the body with a probe for a model that changes only in decoder layer {@code layer} and
         * after it, while the body runs. A probe that can computes what comes before that layer once
         * for the whole body; this one measures the whole model each time.
         */
        default <T> T fromLayer(CausalLm model, int layer, java.util.function.Function<Probe, T> body) { return body.apply(this); }
    }

    public record Row(int group, String id, Cluster cluster, int layer, List<Double> ppl, double deviation, boolean unprunable) implements Serializable {}

    public record Result(double basePpl, List<Double> ratios, double gammaU, List<Row> rows, double seconds) implements Serializable {
        public Set<Integer> unprunableGroups() {
            Set<Integer> s = new HashSet<>();
            for (Row r : rows) if (r.unprunable()) s.add(r.group());
            return s;
        }
    }

    public static Result analyse(CausalLm model, StructureSet set, List<Double> ratios, double gammaU, Probe probe,
                                 Progress progress) {
        long t0 = System.nanoTime();
        double base = probe.perplexity(model);
        ScoringContext ctx = new ScoringContext(set, model, null, null);
        Map<Integer, List<Double>> curves = curves(model, set, ratios, probe, progress, (g, layerProbe, p) -> points(model, ctx, g, ratios, layerProbe, p));
        return result(set, base, ratios, gammaU, curves, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * One node group's probe: its lowest-magnitude structures removed alone at each ratio, the
     * perplexity measured, the group restored bit-exactly. A cluster runs one of these per task.
     *
     * @param ctx the model's weights for the magnitude proxy (a {@link ScoringContext} without calibration)
     */
    public static List<Double> curve(CausalLm model, ScoringContext ctx, int group, List<Double> ratios, Probe probe, Progress progress) {
        return probe.fromLayer(model, layer(ctx.set(), group), layerProbe -> points(model, ctx, group, ratios, layerProbe, progress));
    }

    private static List<Double> points(CausalLm model, ScoringContext ctx, int group, List<Double> ratios, Probe probe, Progress progress) {
        StructureSet set = ctx.set();
        List<StructureRef> pool = pool(set, group);
        double[] scores = new MagnitudeSaliency().score(ctx, pool);
        List<Double> ppl = new ArrayList<>();
        for (double p : ratios) {
            List<StructureRef> chosen = Selector.select(pool, scores, (int) Math.floor(p * pool.size()), Saliency.Ranking.GLOBAL);
            ppl.add(Masking.whileRemoved(model, null, set, chosen, () -> probe.perplexity(model)));
            progress.step(ppl.size(), ratios.size());
        }
        return ppl;
    }

    /** One group's curve, measured with a probe that the group's layer may start from. */
    private interface GroupCurve { List<Double> measure(int group, Probe layerProbe, Progress progress); }

    /**
     * Every prunable group's curve, layer by layer: the groups of one layer share one {@link Probe#fromLayer},
     * so what comes before the layer is computed once for all of their probes.
     */
    private static Map<Integer, List<Double>> curves(CausalLm model, StructureSet set, List<Double> ratios, Probe probe, Progress progress,
                                                     GroupCurve curve) {
        Map<Integer, List<Integer>> byLayer = new java.util.TreeMap<>();
        for (int g = 0; g < set.groups().size(); g++) if (set.groups().get(g).prunable()) byLayer.computeIfAbsent(layer(set, g), k -> new ArrayList<>()).add(g);
        long total = byLayer.values().stream().mapToLong(List::size).sum() * ratios.size();
        Map<Integer, List<Double>> out = new LinkedHashMap<>();
        for (Map.Entry<Integer, List<Integer>> e : byLayer.entrySet())
            probe.fromLayer(model, e.getKey(), layerProbe -> {
                for (int g : e.getValue()) {
                    int before = out.size() * ratios.size();
                    out.put(g, curve.measure(g, layerProbe, (d, t) -> progress.step(before + d, total)));
                }
                return null;
            });
        return out;
    }

    /** The decoder layer a group's structures live in: the layers before it stay as they are while the group is probed. */
    private static int layer(StructureSet set, int group) {
        PrunableGroup pg = set.groups().get(group);
        if (!pg.prunable()) throw new IllegalArgumentException("kda: node group " + group + " (" + pg.id() + ") is not prunable");
        return Math.max(0, pg.layer());
    }

    private static List<StructureRef> pool(StructureSet set, int group) {
        List<StructureRef> pool = new ArrayList<>();
        for (int s = 0; s < set.groups().get(group).structures().size(); s++) pool.add(new StructureRef(group, s));
        return pool;
    }

    /** The analysis from the base perplexity and every prunable group's {@link #curve}, wherever they were measured. */
    public static Result result(StructureSet set, double base, List<Double> ratios, double gammaU, Map<Integer, List<Double>> curves, double seconds) {
        List<Row> rows = new ArrayList<>();
        for (int g = 0; g < set.groups().size(); g++) {
            PrunableGroup pg = set.groups().get(g);
            if (!pg.prunable()) continue;
            List<Double> ppl = curves.get(g);
            if (ppl == null || ppl.size() != ratios.size())
                throw new IllegalArgumentException("kda: node group " + g + " (" + pg.id() + ") has no curve over " + ratios.size() + " ratios");
            double dev = 0;
            for (double v : ppl) dev += Math.abs(v - base) / base / ratios.size();
            rows.add(new Row(g, pg.id(), pg.cluster(), pg.layer(), List.copyOf(ppl), dev, false));
        }
        return new Result(base, List.copyOf(ratios), gammaU, markTop(rows, gammaU), seconds);
    }

    /**
     * KDA priced by the removal the OBS methods really perform: at each ratio the group's structures
     * are chosen by {@link ObsSelection} and the kept columns compensated, then everything is put
     * back. A group whose loss the kept columns can absorb reads as cheap here, where the magnitude
     * proxy of {@link #analyse} would call it sensitive; measured on stories260K, allocation by these
     * curves beats allocation by the proxy's.
     *
     * @param calib second moments of every group's dependent module on the unpruned model
     */
    public static Result analyseObs(CausalLm model, StructureSet set, List<Double> ratios, double gammaU, Probe probe,
                                    Calibration calib, double ridge, Progress progress) {
        long t0 = System.nanoTime();
        double base = probe.perplexity(model);
        Map<Integer, List<Double>> curves = curves(model, set, ratios, probe, progress, (group, layerProbe, p) -> {
            List<StructureRef> pool = pool(set, group);
            List<Double> ppl = new ArrayList<>();
            for (double r : ratios) {
                int k = Math.min(pool.size() - 1, (int) Math.floor(r * pool.size()));
                ppl.add(Masking.preserving(model, null, set, pool, () -> {
                    List<StructureRef> chosen = ObsSelection.selectAndCompensate(model, set, java.util.Map.of(group, k), calib, ridge);
                    Masking.zero(model, null, set, chosen);
                    return layerProbe.perplexity(model);
                }));
                p.step(ppl.size(), ratios.size());
            }
            return ppl;
        });
        return result(set, base, ratios, gammaU, curves, (System.nanoTime() - t0) / 1e9);
    }

    private static List<Row> markTop(List<Row> rows, double gammaU) {
        int k = (int) Math.ceil(gammaU * rows.size());
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingDouble(Row::deviation).reversed());
        Set<Integer> top = new HashSet<>();
        for (int i = 0; i < k; i++) top.add(sorted.get(i).group());
        List<Row> out = new ArrayList<>();
        for (Row r : rows) out.add(new Row(r.group(), r.id(), r.cluster(), r.layer(), r.ppl(), r.deviation(), top.contains(r.group())));
        return out;
    }
}
