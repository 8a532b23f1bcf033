package dev.shear.graph;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The removal cuts are complete: slicing them out of the weights (rows first, then columns, as the
 * Compactor will) gives a smaller model whose logits equal the zeroed full model's. GQA removals use
 * the two expressible selection modes.
 */
class CompactionEquivalenceTest {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CompactionEquivalenceTest.class);
    private static final double TOL = 1e-9;

    @Test void llamaGroupedQueryUniformPerGroupAndKvGroup() {
        check(ModelConfig.llama(64, 96, 2, 8, 4, 64, 32, true), LoraConfig.paperDefaults(2));
    }

    @Test void llamaMultiHeadWithBiasesAndDownLora() {
        check(ModelConfig.llama(48, 80, 2, 4, 4, 64, 32, false).withBiases(true, true), new LoraConfig(LoraConfig.ALL_TARGETS, 4, 8, 0, 3));
    }

    @Test void pythia() {
        check(GraphFixtures.pythia(2, true), new LoraConfig(List.of("qkv", "dense", "h_to_4h", "4h_to_h"), 4, 8, 0, 4));
    }

    private static void check(ModelConfig c, LoraConfig lora) {
        try (CausalLm m = CausalLm.random(c, 51, DType.F64)) {
            GraphFixtures.randomizeBiases(m, 52);
            LoraAdapters ad = LoraAdapters.insert(m, lora);
            GraphFixtures.randomizeLoraB(ad, 53);
            DependencyGraph g = DependencyGraph.trace(m);
            List<LayerWidths> widths = new ArrayList<>(c.layers());
            List<Cut> cuts = new ArrayList<>();
            Random r = new Random(54);
            for (NodeGroup group : g.prunableGroups()) {
                int[] removed = selection(group, r);
                Removal rm = group.removal(removed);
                GraphFixtures.zero(g, rm.zero(), m.store(), ad.store());
                cuts.addAll(rm.all());
                widths.set(group.layer(), shrink(widths.get(group.layer()), group, rm));
            }
            int[][] ids = GraphFixtures.tokens(c.vocabSize(), 55);
            double[] zeroed = GraphFixtures.logits(m, ids);

            Map<String, HostTensor> base = slice(m.toHost(), cuts), adapters = slice(ad.toHost(), cuts);
            try (CausalLm small = CausalLm.fromWeights(c.withLayers(widths), base, DType.F64)) {
                LoraAdapters smallAd = LoraAdapters.insert(small, lora);
                smallAd.load(adapters);
                double d = GraphFixtures.maxRelDiff(zeroed, GraphFixtures.logits(small, ids));
                LOG.info("{} layers, heads {}/{}: compact vs zeroed logits differ by {} (relative), params {} -> {}", c.numLayers(), c.layer(0).numHeads(), c.layer(0).numKvHeads(), d, m.numParams(), small.numParams());
                assertTrue(d <= TOL, "compact model differs from the zeroed one by " + d);
                assertTrue(small.numParams() < m.numParams());
                smallAd.discard();
            }
            ad.discard();
        }
    }

    /** Layer 0: one query head from every kv group; layer 1: one whole kv group; MLPs: a third of the channels. */
    private static int[] selection(NodeGroup group, Random r) {
        if (group.shared().isEmpty()) return GraphFixtures.someOf(group.numStructures(), r);
        SharedStructures kv = group.shared().get();
        int[] removed;
        SelectionMode mode;
        if (group.layer() == 0) {
            mode = SelectionMode.UNIFORM_PER_GROUP;
            removed = new int[kv.count()];
            for (int j = 0; j < kv.count(); j++) removed[j] = kv.usersOf(j)[r.nextInt(kv.usersOf(j).length)];
        } else {
            mode = SelectionMode.KV_GROUP;
            removed = SelectionMode.kvGroups(group, r.nextInt(kv.count()));
        }
        assertTrue(mode.allows(group, removed) && SelectionMode.expressible(group, removed), group.id() + " " + mode);
        return removed;
    }

    private static LayerWidths shrink(LayerWidths w, NodeGroup group, Removal rm) {
        int k = rm.structures().length;
        if (group.kind() == GroupKind.MLP) return w.withIntermediateSize(w.intermediateSize() - k);
        int kvGone = group.shared().isPresent() ? rm.sharedStructures().length : k;
        return w.withHeads(w.numHeads() - k, w.numKvHeads() - kvGone);
    }

    /** Removes the cut rows and columns of every parameter that has cuts. */
    private static Map<String, HostTensor> slice(Map<String, HostTensor> weights, List<Cut> cuts) {
        Map<String, TreeSet<Integer>[]> drop = new HashMap<>();
        for (Cut c : cuts) {
            @SuppressWarnings("unchecked")
            TreeSet<Integer>[] axes = drop.computeIfAbsent(c.param(), k -> new TreeSet[] {new TreeSet<>(), new TreeSet<>()});
            for (int i : c.indices()) axes[c.axis().index()].add(i);
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : weights.entrySet()) {
            TreeSet<Integer>[] axes = drop.get(e.getKey());
            out.put(e.getKey(), axes == null ? e.getValue() : without(e.getValue(), axes[0], axes[1]));
        }
        return out;
    }

    private static HostTensor without(HostTensor t, TreeSet<Integer> rows, TreeSet<Integer> cols) {
        long[] shape = t.shape();
        int nr = (int) shape[0], nc = shape.length == 1 ? 1 : (int) shape[1];
        List<Float> kept = new ArrayList<>();
        for (int i = 0; i < nr; i++) {
            if (rows.contains(i)) continue;
            for (int j = 0; j < nc; j++) if (shape.length == 1 || !cols.contains(j)) kept.add(t.data()[i * nc + j]);
        }
        float[] data = new float[kept.size()];
        for (int i = 0; i < data.length; i++) data[i] = kept.get(i);
        long[] newShape = shape.length == 1 ? new long[] {nr - rows.size()} : new long[] {nr - rows.size(), nc - cols.size()};
        return new HostTensor(newShape, data);
    }
}
