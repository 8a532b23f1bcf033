package dev.shear.graph;

import dev.shear.model.CausalLm;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The hand-derived LLaMA table of docs/method.md, "Structures" (KV-group attention structures, MLP channels), for tests. */
public final class HandTable {
    private HandTable() {}

    public static StructureSet llama(CausalLm model, Set<String> loraModules) {
        ModelConfig c = model.config();
        List<PrunableGroup> groups = new ArrayList<>();
        long d = c.hiddenSize();
        for (int l = 0; l < c.numLayers(); l++) {
            LayerWidths w = c.layer(l);
            String p = "model.layers." + l + ".";
            int rep = w.groupSize(), hd = w.headDim();
            List<Structure> attn = new ArrayList<>();
            for (int g = 0; g < w.numKvHeads(); g++) {
                int[] q = range(g * rep * hd, rep * hd), kv = range(g * hd, hd);
                List<Cut> zeroed = new ArrayList<>();
                zeroed.add(cut(p + "self_attn.q_proj", q, false, loraModules, ".weight"));
                zeroed.add(cut(p + "self_attn.k_proj", kv, false, loraModules, ".weight"));
                zeroed.add(cut(p + "self_attn.v_proj", kv, false, loraModules, ".weight"));
                long params = 2L * rep * hd * d + 2L * hd * d;
                if (c.attentionBias()) {
                    zeroed.add(bias(p + "self_attn.q_proj.bias", q));
                    zeroed.add(bias(p + "self_attn.k_proj.bias", kv));
                    zeroed.add(bias(p + "self_attn.v_proj.bias", kv));
                    params += (long) rep * hd + 2L * hd;
                }
                attn.add(new Structure(g, zeroed, List.of(cut(p + "self_attn.o_proj", q, true, loraModules, ".weight")), params));
            }
            groups.add(new PrunableGroup("layer" + l + ".attention", Cluster.ATTENTION, l, attn, true));
            List<Structure> mlp = new ArrayList<>();
            for (int ch = 0; ch < w.intermediateSize(); ch++) {
                int[] one = {ch};
                mlp.add(new Structure(ch, List.of(cut(p + "mlp.gate_proj", one, false, loraModules, ".weight"),
                        cut(p + "mlp.up_proj", one, false, loraModules, ".weight")),
                        List.of(cut(p + "mlp.down_proj", one, true, loraModules, ".weight")), 3 * d));
            }
            groups.add(new PrunableGroup("layer" + l + ".mlp", Cluster.MLP, l, mlp, true));
        }
        return new StructureSet(groups, model.numParams());
    }

    private static Cut cut(String module, int[] idx, boolean columns, Set<String> lora, String suffix) {
        String factor = lora.contains(module) ? module + (columns ? ".lora_A.weight" : ".lora_B.weight") : null;
        return new Cut(module + suffix, columns ? Slice.Axis.IN : Slice.Axis.OUT, columns ? Slice.Role.IN : Slice.Role.OUT, idx, factor);
    }

    private static Cut bias(String param, int[] idx) { return new Cut(param, Slice.Axis.OUT, Slice.Role.OUT, idx, null); }

    public static int[] range(int start, int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = start + i;
        return r;
    }
}
