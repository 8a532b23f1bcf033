package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.graph.Cluster;
import dev.shear.graph.DependencyGraph;
import dev.shear.graph.PrunableGroup;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The magnitude method's score is the L2 norm of the whole structure: its q/k/v (gate/up) rows and
 * the o_proj (down_proj) columns that go with them. Expected norms come from the model's shape
 * (GQA head layout, one channel per MLP structure), not from the traced cuts.
 */
class MagnitudeWholeStructureTest {
    private static double rows(HostTensor w, int from, int n) {
        double s = 0;
        int cols = w.cols();
        for (int r = from; r < from + n; r++) for (int j = 0; j < cols; j++) s += (double) w.data()[r * cols + j] * w.data()[r * cols + j];
        return s;
    }

    private static double columns(HostTensor w, int from, int n) {
        double s = 0;
        int cols = w.cols();
        for (int r = 0; r < w.rows(); r++) for (int j = from; j < from + n; j++) s += (double) w.data()[r * cols + j] * w.data()[r * cols + j];
        return s;
    }

    /** {whole structure, zeroed rows only} squared norms of structure s of group pg. */
    private static double[] expected(Map<String, HostTensor> w, ModelConfig cfg, PrunableGroup pg, int s) {
        String p = "model.layers." + pg.layer() + ".";
        if (pg.cluster() == Cluster.ATTENTION) {
            int hd = cfg.layer(pg.layer()).headDim(), rep = cfg.layer(pg.layer()).numHeads() / cfg.layer(pg.layer()).numKvHeads();
            double r = rows(w.get(p + "self_attn.q_proj.weight"), s * rep * hd, rep * hd) + rows(w.get(p + "self_attn.k_proj.weight"), s * hd, hd)
                    + rows(w.get(p + "self_attn.v_proj.weight"), s * hd, hd);
            return new double[] {r + columns(w.get(p + "self_attn.o_proj.weight"), s * rep * hd, rep * hd), r};
        }
        double r = rows(w.get(p + "mlp.gate_proj.weight"), s, 1) + rows(w.get(p + "mlp.up_proj.weight"), s, 1);
        return new double[] {r + columns(w.get(p + "mlp.down_proj.weight"), s, 1), r};
    }

    @Test void magnitudeScoresRowsAndTheirColumnsAndKdaProxyOnlyTheRows() {
        for (ModelConfig cfg : List.of(ModelConfig.llama(32, 40, 2, 4, 2, 64, 32, true), ModelConfig.llama(48, 24, 1, 6, 3, 64, 32, false))) {
            try (CausalLm model = CausalLm.random(cfg, 4, DType.F32)) {
                StructureSet set = DependencyGraph.trace(model).structures();
                ScoringContext ctx = new ScoringContext(set, model, null, null);
                Map<String, HostTensor> w = model.toHost();
                List<StructureRef> all = set.all();
                double[] method = Method.MAGNITUDE.strategy().saliency(0).score(ctx, all);
                double[] whole = new MagnitudeSaliency(true).score(ctx, all);
                double[] proxy = new MagnitudeSaliency().score(ctx, all);
                for (int i = 0; i < all.size(); i++) {
                    StructureRef r = all.get(i);
                    double[] e = expected(w, cfg, set.group(r), r.structure());
                    String what = set.group(r).id() + " structure " + r.structure();
                    assertEquals(Math.sqrt(e[0]), method[i], 1e-9 * Math.sqrt(e[0]), what + " (magnitude method)");
                    assertEquals(Math.sqrt(e[0]), whole[i], 1e-9 * Math.sqrt(e[0]), what + " (whole structure)");
                    assertEquals(Math.sqrt(e[1]), proxy[i], 1e-9 * Math.sqrt(e[1]), what + " (rows only)");
                }
            }
        }
    }
}
