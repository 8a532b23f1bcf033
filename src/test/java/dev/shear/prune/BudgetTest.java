package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.engine.DType;
import dev.shear.graph.Cluster;
import dev.shear.graph.HandTable;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BudgetTest {
    /** Prunes by magnitude to the plan, compacts, and compares the real parameter count with the target. */
    static double achieved(ModelConfig cfg, double target) {
        try (CausalLm model = CausalLm.random(cfg, 1, DType.F32)) {
            StructureSet set = HandTable.llama(model, java.util.Set.of());
            Budget.Plan plan = Budget.plan(set, target);
            ScoringContext ctx = new ScoringContext(set, model, null, null);
            List<StructureRef> chosen = new java.util.ArrayList<>();
            for (Cluster c : Cluster.values()) {
                List<StructureRef> pool = set.prunable(c);
                chosen.addAll(Selector.select(pool, new MagnitudeSaliency().score(ctx, pool), plan.counts().get(c), Saliency.Ranking.PER_LAYER));
            }
            Masking.zero(model, null, set, chosen);
            try (CausalLm compact = Compactor.compact(model, set, chosen, Map.of())) {
                return 1.0 - (double) compact.numParams() / model.numParams();
            }
        }
    }

    @Test void ratioWithinHalfPointOnStoriesShapeAndGqa() {
        ModelConfig stories = ModelConfig.llama(64, 172, 5, 8, 4, 512, 512, true);
        ModelConfig gqa = ModelConfig.llama(96, 256, 4, 12, 4, 256, 64, false);
        for (ModelConfig c : List.of(stories, gqa))
            for (double t : new double[] {0.2, 0.5}) {
                double a = achieved(c, t);
                assertTrue(Math.abs(a - t) <= 0.005, "target " + t + " achieved " + a);
            }
    }

    @Test void perLayerSelectionTakesTheSameShareFromEveryLayer() {
        List<StructureRef> pool = new java.util.ArrayList<>();
        for (int g = 0; g < 3; g++) for (int s = 0; s < 10; s++) pool.add(new StructureRef(g, s));
        double[] scores = new Random(1).doubles(30).toArray();
        List<StructureRef> chosen = Selector.select(pool, scores, 6, Saliency.Ranking.PER_LAYER);
        for (int g = 0; g < 3; g++) {
            final int gg = g;
            assertEquals(2, chosen.stream().filter(r -> r.group() == gg).count());
        }
    }
}
