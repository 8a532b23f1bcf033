package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Ops;
import dev.shear.engine.Progress;
import dev.shear.engine.StepScope;
import dev.shear.graph.HandTable;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KnowledgeDistributionTest {
    @Test void masksRestoreWeightsBitExactlyAndMarkTopGroups() {
        try (CausalLm model = CausalLm.random(ModelConfig.llama(32, 48, 4, 4, 2, 64, 32, true), 2, DType.F32)) {
            Map<String, HostTensor> before = model.toHost();
            StructureSet set = HandTable.llama(model, java.util.Set.of());
            TokenBatch b = TokenBatch.causal(new int[][] {{1, 4, 9, 16, 25, 36, 49, 8, 3, 2, 60}});
            KnowledgeDistribution.Probe probe = m -> {
                try (StepScope s = Engine.openScope(m.store())) {
                    return Math.exp(Ops.tokenNll(m.forward(s.tokens(b.inputs())), s.tokens(b.targets())).mean().item());
                }
            };
            KnowledgeDistribution.Result r = KnowledgeDistribution.analyse(model, set, List.of(0.2, 0.5), 0.25, probe, Progress.NONE);
            Map<String, HostTensor> after = model.toHost();
            for (String k : before.keySet()) assertArrayEquals(before.get(k).data(), after.get(k).data(), 0f, k);
            assertEquals(8, r.rows().size());
            assertTrue(r.rows().stream().allMatch(x -> x.deviation() > 0), "the probe saw every group's removal: " + r.rows());
            assertEquals(2, r.unprunableGroups().size());                        // ceil(0.25 * 8)
            double minMarked = r.rows().stream().filter(KnowledgeDistribution.Row::unprunable).mapToDouble(KnowledgeDistribution.Row::deviation).min().orElseThrow();
            double maxOther = r.rows().stream().filter(x -> !x.unprunable()).mapToDouble(KnowledgeDistribution.Row::deviation).max().orElseThrow();
            assertTrue(minMarked >= maxOther, "the most sensitive groups are the ones marked");
        }
    }
}
