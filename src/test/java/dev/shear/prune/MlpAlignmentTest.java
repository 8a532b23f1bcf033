package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.graph.Cluster;
import dev.shear.graph.HandTable;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.ModelCost;
import dev.shear.model.WidthAlignment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MlpAlignmentTest {
    static final ModelConfig CFG = ModelConfig.llama(32, 40, 3, 4, 2, 64, 32, true);

    /** Scores rise with the channel index, so the kept channels must be the highest-numbered ones. */
    static double[] byIndex(List<StructureRef> refs) { return refs.stream().mapToDouble(StructureRef::structure).toArray(); }

    static List<StructureRef> mlp(StructureSet set, int layer, int... channels) {
        List<StructureRef> out = new ArrayList<>();
        for (int g = 0; g < set.groups().size(); g++)
            if (set.groups().get(g).cluster() == Cluster.MLP && set.groups().get(g).layer() == layer) for (int c : channels) out.add(new StructureRef(g, c));
        return out;
    }

    @Test void roundingDownRemovesTheLowestScoringKeptAndUpRestoresTheHighestScoringRemoved() {
        try (CausalLm model = CausalLm.random(CFG, 1, DType.F32)) {
            StructureSet set = HandTable.llama(model, Set.of());
            List<StructureRef> removed = new ArrayList<>(mlp(set, 0, 0, 5, 9, 30, 31, 32));     // keeps 34 -> 32 (nearest 8)
            removed.addAll(mlp(set, 1, 1, 2, 3, 4, 5, 6, 20, 21, 39));                           // keeps 31 -> 32: one comes back
            MlpAlignment.Outcome o = MlpAlignment.apply(set, removed, WidthAlignment.parse(8, "nearest"), 3, MlpAlignmentTest::byIndex);
            Set<StructureRef> want = new HashSet<>(removed);
            want.addAll(mlp(set, 0, 1, 2));                                                      // lowest-scoring kept of layer 0
            want.removeAll(mlp(set, 1, 39));                                                     // highest-scoring removed of layer 1
            assertEquals(want, new HashSet<>(o.removed()));
            // layer 2 keeps all 40, already a multiple of 8
            assertEquals(List.of("layer 0: MLP 34 -> 32 (lowest-scoring dropped)", "layer 1: MLP 31 -> 32 (highest-scoring kept)"),
                    o.report().changes());
            assertEquals(-2 * 3L * 32 + 3L * 32, o.report().paramsAdded());
        }
    }

    @Test void protectedGroupsOnlyRoundUpWithZeroChannelsPastTheirWidth() {
        try (CausalLm model = CausalLm.random(CFG, 1, DType.F32)) {
            StructureSet all = HandTable.llama(model, Set.of());
            Set<Integer> mlpGroups = new HashSet<>();
            for (int g = 0; g < all.groups().size(); g++) if (all.groups().get(g).cluster() == Cluster.MLP) mlpGroups.add(g);
            StructureSet set = all.withUnprunable(mlpGroups);
            MlpAlignment.Outcome o = MlpAlignment.apply(set, List.of(), WidthAlignment.parse(12, "down"), 3, MlpAlignmentTest::byIndex);
            assertEquals(List.of(), o.removed());
            assertEquals(java.util.Arrays.asList(48, 48, 48), o.padTo());
            assertEquals(3 * 8 * 3L * 32, o.report().paramsAdded());
        }
    }

    /** A one-shot run with --align 8: every compact MLP width is a multiple of 8 and the report's cost is the parameter difference. */
    @Test void alignedOneShotRunReportsTheExactParameterCost() {
        PruneSettings s = TestSettings.of(Method.MAGNITUDE, 0.3, 0).withKda(KdaSettings.NONE);
        PruneRun.Result plain = run(s), aligned = run(s.withAlign(WidthAlignment.parse(8, "nearest")));
        assertNull(plain.alignment());
        for (LayerWidths w : aligned.widthsAfter()) assertEquals(0, w.intermediateSize() % 8, aligned.widthsAfter().toString());
        assertNotEquals(plain.widthsAfter(), aligned.widthsAfter());
        assertEquals(aligned.paramsAfter() - plain.paramsAfter(), aligned.alignment().paramsAdded());
        assertEquals(ModelCost.of(CFG.withLayers(aligned.widthsAfter()), 32, 4), aligned.cost().after());
        assertEquals(aligned.paramsAfter(), aligned.cost().after().params());
        assertEquals(1.0 - (double) aligned.paramsAfter() / aligned.paramsBefore(), aligned.cost().paramsRemoved(), 1e-12);
        assertTrue(aligned.cost().macsRemoved() > 0);
    }

    private static PruneRun.Result run(PruneSettings s) {
        try (CausalLm model = CausalLm.random(CFG, 7, DType.F32)) {
            LoraAdapters ad = LoraAdapters.insert(model, s.training().lora());
            StructureSet set = HandTable.llama(model, ad.modules().keySet());
            PruneRun.Outcome o = PruneRun.run(new PruneTarget(model, ad, set), s, PruneRun.Context.of(LhspgPrunerTest.data(), null));
            o.compact().close();
            return o.result();
        }
    }
}
