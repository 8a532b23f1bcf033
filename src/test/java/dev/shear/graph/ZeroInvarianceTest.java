package dev.shear.graph;

import static dev.shear.graph.GraphFixtures.maxRelDiff;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.engine.TensorStore;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The zero-invariance check of docs/method.md, "Structures", done exactly (F64): zero random structures of every prunable group with the slices
 * the graph gives, then fill exactly the freed input-side slices with random values; the logits must
 * not move (max relative difference 1e-6; in practice it is 0). A control shows that the same edit
 * on a kept structure does move them.
 */
class ZeroInvarianceTest {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ZeroInvarianceTest.class);
    private static final double TOL = 1e-6;
    private static final LoraConfig LLAMA_LORA = new LoraConfig(LoraConfig.ALL_TARGETS, 4, 8, 0.0, 21);
    private static final LoraConfig NEOX_LORA = new LoraConfig(List.of("qkv", "dense", "h_to_4h", "4h_to_h"), 4, 8, 0.0, 22);

    @Test void llamaMultiHeadWithLora() { check(ModelConfig.llama(48, 80, 2, 4, 4, 64, 32, false).withBiases(true, true), LLAMA_LORA); }

    @Test void llamaGroupedQueryStories260kShapeWithPaperLora() { check(GraphFixtures.stories260k(), LoraConfig.paperDefaults(7)); }

    @Test void llamaGroupedQueryWithBiasesAndAllLora() { check(ModelConfig.llama(64, 96, 2, 8, 2, 64, 32, false).withBiases(true, false), LLAMA_LORA); }

    @Test void pythiaParallelResidualWithLora() { check(GraphFixtures.pythia(2, true), NEOX_LORA); }

    @Test void pythiaSequentialResidualWithoutLora() { check(GraphFixtures.pythia(2, false), null); }

    @Test void llamaGroupedQueryKvGroupView() { check(GraphFixtures.stories260k(), LoraConfig.paperDefaults(8), true); }

    private static void check(ModelConfig c, LoraConfig lora) { check(c, lora, false); }

    private static void check(ModelConfig c, LoraConfig lora, boolean kvView) {
        try (CausalLm m = CausalLm.random(c, 31, DType.F64)) {
            check(m, lora, kvView);
        }
    }

    /** Zeroes random structures of every prunable group of the model, then checks that the freed slices do not matter. */
    static void check(CausalLm m, LoraConfig lora, boolean kvView) {
        ModelConfig c = m.config();
        {
            GraphFixtures.randomizeBiases(m, 32);
            LoraAdapters ad = lora == null ? null : LoraAdapters.insert(m, lora);
            if (ad != null) GraphFixtures.randomizeLoraB(ad, 33);
            TensorStore[] stores = GraphFixtures.stores(m, ad);
            DependencyGraph g = DependencyGraph.trace(m);
            int[][] ids = GraphFixtures.tokens(c.vocabSize(), 34);
            double[] original = GraphFixtures.logits(m, ids);

            Random r = new Random(35);
            List<Cut> free = new ArrayList<>();
            NodeGroup control = null;
            int kept = -1;
            for (NodeGroup found : g.prunableGroups()) {
                NodeGroup group = kvView ? found.asKvGroups() : found;
                int[] removed = selection(group, r);
                Removal rm = group.removal(removed);
                checkGqaSplit(group, rm);
                GraphFixtures.zero(g, rm.zero(), stores);
                free.addAll(rm.free());
                if (control == null) {
                    control = group;
                    kept = firstNotIn(group.numStructures(), removed);
                }
            }
            double[] zeroed = GraphFixtures.logits(m, ids);
            assertTrue(maxRelDiff(original, zeroed) > 1e-3, "zeroing structures must change the model");

            GraphFixtures.randomize(g, free, 36, stores);
            double[] freed = GraphFixtures.logits(m, ids);
            double d = maxRelDiff(zeroed, freed);
            LOG.info("{} layers, heads {}/{}: freed slices moved the logits by {} (relative)", c.numLayers(), c.layer(0).numHeads(), c.layer(0).numKvHeads(), d);
            assertTrue(d <= TOL, "random values in removed structures' input slices moved the logits by " + d);

            GraphFixtures.randomize(g, control.cuts(Slice.Role.IN, kept), 37, stores);
            assertTrue(maxRelDiff(freed, GraphFixtures.logits(m, ids)) > 1e-6, "control: a kept structure's columns must matter");
            if (ad != null) ad.discard();
        }
    }

    /** About a third of the structures; for GQA one whole kv group plus one query head of another group. */
    private static int[] selection(NodeGroup group, Random r) {
        if (group.shared().isEmpty() || group.shared().get().count() < 2) return GraphFixtures.someOf(group.numStructures(), r);
        SharedStructures kv = group.shared().get();
        int whole = r.nextInt(kv.count());
        int partial = (whole + 1) % kv.count();
        TreeSet<Integer> s = new TreeSet<>();
        for (int u : kv.usersOf(whole)) s.add(u);
        s.add(kv.usersOf(partial)[r.nextInt(kv.usersOf(partial).length)]);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** In GQA, a removed kv group frees its o_proj columns; a lone query head must have them zeroed. */
    private static void checkGqaSplit(NodeGroup group, Removal rm) {
        if (group.shared().isEmpty()) {
            assertTrue(group.rowZeroInvariant(), group.id() + ": rows alone should make a structure vanish");
            return;
        }
        assertFalse(group.rowZeroInvariant(), group.id() + ": a GQA query head's rows cannot zero its output");
        assertTrue(group.sharedZeroInvariant(), group.id() + ": a whole kv group's rows zero its output");
        assertTrue(rm.sharedStructures().length == 1, group.id() + ": exactly the whole kv group goes");
        assertTrue(rm.zero().stream().anyMatch(c -> c.role() == Slice.Role.IN), group.id() + ": lone head's o_proj columns are zeroed");
        assertTrue(rm.free().stream().anyMatch(c -> c.role() == Slice.Role.IN), group.id() + ": whole group's o_proj columns are free");
    }

    private static int firstNotIn(int n, int[] removed) {
        for (int s = 0; s < n; s++) {
            boolean in = false;
            for (int x : removed) in |= x == s;
            if (!in) return s;
        }
        throw new IllegalStateException("every structure removed");
    }

    /** Why GQA needs the columns: zero a lone query head's rows only, and its o_proj columns still matter. */
    @Test void groupedQueryHeadRowsAloneAreNotZeroInvariant() {
        ModelConfig c = ModelConfig.llama(64, 96, 1, 8, 2, 64, 32, true);
        try (CausalLm m = CausalLm.random(c, 41, DType.F64)) {
            DependencyGraph g = DependencyGraph.trace(m);
            NodeGroup att = g.group("layers.0.attention");
            int[][] ids = GraphFixtures.tokens(c.vocabSize(), 42);
            GraphFixtures.zero(g, att.cuts(Slice.Role.OUT, 0), m.store());
            double[] before = GraphFixtures.logits(m, ids);
            GraphFixtures.randomize(g, att.cuts(Slice.Role.IN, 0), 43, m.store());
            assertTrue(maxRelDiff(before, GraphFixtures.logits(m, ids)) > 1e-6,
                    "a zeroed GQA query head still outputs the mean of its kv head's values");
        }
    }
}
