package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.BatchSource;
import dev.shear.data.TokenBatch;
import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Progress;
import dev.shear.graph.Cluster;
import dev.shear.graph.HandTable;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.LrSchedule;
import dev.shear.train.TrainingLoop;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LhspgPrunerTest {
    static final ModelConfig CFG = ModelConfig.llama(32, 40, 3, 4, 2, 64, 32, true);

    static BatchSource data() {
        return k -> {
            Random r = new Random(50 + k);
            int[][] rows = new int[2][17];
            for (int[] row : rows) for (int j = 0; j < row.length; j++) row[j] = r.nextInt(64);
            return List.of(TokenBatch.causal(rows));
        };
    }

    record Run(LhspgPruner pruner, StructureSet set, Map<String, HostTensor> weights) {}

    static Run run(LhspgSchedule s, int attn, int mlp, double lr, List<List<StructureRef>> zeroAfterEachPeriod) {
        return run(s, LhspgPruner.Mode.PAPER, attn, mlp, Map.of(), lr, zeroAfterEachPeriod);
    }

    static Run run(LhspgSchedule s, LhspgPruner.Mode mode, int attn, int mlp, Map<Integer, Integer> quotas, double lr, List<List<StructureRef>> zeroAfterEachPeriod) {
        try (CausalLm model = CausalLm.random(CFG, 3, DType.F32)) {
            LoraAdapters ad = LoraAdapters.insert(model, LoraConfig.paperDefaults(5));
            StructureSet set = HandTable.llama(model, ad.modules().keySet());
            Map<Cluster, Integer> k = new EnumMap<>(Cluster.class);
            k.put(Cluster.ATTENTION, attn);
            k.put(Cluster.MLP, mlp);
            LhspgPruner p = new LhspgPruner(model, ad, set, k, s, mode, new LoraShearSaliency(true));
            if (!quotas.isEmpty()) p.withQuotas(quotas);
            TrainingLoop.StepHook hook = step -> {
                p.afterStep(step);
                long kk = step + 1 - s.warmup();
                if (kk > 0 && kk % s.periodLength() == 0 && zeroAfterEachPeriod != null)
                    zeroAfterEachPeriod.add(Zeros.structures(model, set));
                return true;
            };
            try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
                TrainingLoop.run(ad, opt, new TrainingLoop.Settings(s.totalSteps() + 2, new LrSchedule(lr, 0, 100, 1), 0, 1, 3),
                        data(), hook, Progress.NONE, dev.shear.train.Checkpointer.NONE);
            }
            ad.close();
            return new Run(p, set, model.toHost());
        }
    }

    /** With per-group counts (KDA allocation), each group loses K_g // P per period, the remainder last. */
    @Test void groupQuotasFollowTheSchedulePerGroup() {
        LhspgSchedule s = LhspgSchedule.of(2, 3, 3);
        StructureSet shape;
        try (CausalLm m = CausalLm.random(CFG, 3, DType.F32)) { shape = HandTable.llama(m, java.util.Set.of()); }
        List<Integer> mlp = new ArrayList<>(), attn = new ArrayList<>();
        for (int g = 0; g < shape.groups().size(); g++) (shape.groups().get(g).cluster() == Cluster.MLP ? mlp : attn).add(g);
        Map<Integer, Integer> quotas = Map.of(mlp.get(0), 5, mlp.get(2), 9, attn.get(1), 1);
        List<List<StructureRef>> zeros = new ArrayList<>();
        Run r = run(s, LhspgPruner.Mode.PAPER, 1, 14, quotas, 1e-2, zeros);
        Map<Integer, int[]> want = Map.of(mlp.get(0), new int[] {1, 2, 5}, mlp.get(2), new int[] {3, 6, 9}, attn.get(1), new int[] {0, 0, 1});
        for (int p = 0; p < 3; p++)
            for (int g = 0; g < shape.groups().size(); g++) {
                final int gg = g;
                long got = zeros.get(p).stream().filter(ref -> ref.group() == gg).count();
                assertEquals(want.containsKey(g) ? want.get(g)[p] : 0, got, "group " + g + " after period " + p);
            }
        assertEquals(15, r.pruner().pruned().size());
    }

    @Test void scheduledCountsAreZeroAndStayZero() {
        LhspgSchedule s = LhspgSchedule.of(3, 3, 4);
        List<List<StructureRef>> zeros = new ArrayList<>();
        Run r = run(s, 4, 20, 1e-2, zeros);
        // K // P per period, remainder last: attention 1,1,2 and MLP 6,6,8
        int[] attnPer = {1, 2, 4}, mlpPer = {6, 12, 20};
        for (int p = 0; p < 3; p++) {
            int attn = 0, mlp = 0;
            for (StructureRef ref : zeros.get(p)) if (r.set().group(ref).cluster() == Cluster.ATTENTION) attn++; else mlp++;
            assertEquals(attnPer[p], attn, "attention structures zero after period " + p);
            assertEquals(mlpPer[p], mlp, "mlp structures zero after period " + p);
            assertTrue(zeros.get(p).containsAll(p == 0 ? List.of() : zeros.get(p - 1)), "a pruned structure came back");
        }
        assertEquals(new HashSet<>(r.pruner().pruned()), new HashSet<>(zeros.get(2)));
        assertEquals(24, r.pruner().pruned().size());
    }

    @Test void redundantNormDecaysLinearlyOverThePeriod() {
        for (LhspgPruner.Mode mode : List.of(LhspgPruner.Mode.PAPER, LhspgPruner.Mode.REFERENCE)) {   // OBS mode removes at once (LoraShearObsTest)
            LhspgSchedule s = LhspgSchedule.of(1, 1, 5);
            Run r = run(s, mode, 1, 4, Map.of(), 1e-12, null);                         // lr ~0: B stays ~0, so only the schedule acts
            List<Double> norms = r.pruner().log().get(0).activeNorm();
            assertEquals(5, norms.size());
            // after step t of a period of T: norm = (T - 1 - t) / T of the starting norm
            double start = norms.get(0) / (4.0 / 5.0);
            for (int t = 0; t < 5; t++) assertEquals(start * (4 - t) / 5.0, norms.get(t), 1e-5 * start, mode + " step " + t);
        }
    }

    @Test void periodSplitPutsRemainderLast() {
        assertArrayEquals(new int[] {3, 3, 4}, LhspgPruner.split(10, 3));
        assertArrayEquals(new int[] {0, 0, 2}, LhspgPruner.split(2, 3));
    }
}
