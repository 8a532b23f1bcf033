package dev.shear.prune;

import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.graph.Cut;
import dev.shear.graph.StructureRef;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraLinear;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Zeroes structures in a live model (and the LoRA slices that feed them), and restores them bit-exactly. */
public final class Masking {
    private Masking() {}

    /** Runs {@code body} with the structures (and their LoRA slices) zeroed, then restores them bit-exactly. */
    public static <T> T whileRemoved(CausalLm model, LoraAdapters ad, StructureSet set, Collection<StructureRef> refs,
                                     java.util.function.Supplier<T> body) {
        Map<String, HostTensor> saved = snapshot(model, ad, set, refs);
        zero(model, ad, set, refs);
        try {
            return body.get();
        } finally {
            restore(model, ad, saved);
        }
    }

    /** Runs the body, then puts back every tensor the structures touch as it was before (whatever the body changed in them). */
    public static <T> T preserving(CausalLm model, LoraAdapters ad, StructureSet set, Collection<StructureRef> refs,
                                   java.util.function.Supplier<T> body) {
        Map<String, HostTensor> saved = snapshot(model, ad, set, refs);
        try (StepScope s = Engine.openScope(model.store())) {     // and what compensation may rewrite: the dependent weights and their biases
            for (StructureRef r : refs)
                for (Cut c : set.get(r).dependent()) {
                    saved.computeIfAbsent(c.param(), p -> model.param(p).toHost());
                    if (c.param().endsWith(".weight") && model.params().containsKey(SliceMath.bias(c.param())))
                        saved.computeIfAbsent(SliceMath.bias(c.param()), p -> model.param(p).toHost());
                }
        }
        try {
            return body.get();
        } finally {
            restore(model, ad, saved);
        }
    }

    /** Host copies of every tensor the structures touch, for {@link #restore}. */
    private static Map<String, HostTensor> snapshot(CausalLm model, LoraAdapters ad, StructureSet set, Collection<StructureRef> refs) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Map<String, Tensor> all = tensors(model, ad);
        try (StepScope s = Engine.openScope(model.store())) {
            for (String name : touched(set, refs)) if (all.containsKey(name)) out.put(name, all.get(name).toHost());
        }
        return out;
    }

    private static void restore(CausalLm model, LoraAdapters ad, Map<String, HostTensor> snapshot) {
        Map<String, Tensor> all = tensors(model, ad);
        try (StepScope s = Engine.openScope(model.store())) {
            for (Map.Entry<String, HostTensor> e : snapshot.entrySet()) all.get(e.getKey()).assign(e.getValue().data());
        }
    }

    /** Sets the zeroed slices of the structures, and their LoRA rows/columns, to exactly zero. */
    public static void zero(CausalLm model, LoraAdapters ad, StructureSet set, Collection<StructureRef> refs) {
        zeroCuts(model, ad, set, refs, true);
    }

    /** Zeroes only the LoRA rows (B) or columns (A) that carry the structures' slices. */
    public static void zeroLora(CausalLm model, LoraAdapters ad, StructureSet set, Collection<StructureRef> refs) {
        if (ad == null) return;
        zeroCuts(model, ad, set, refs, false);
    }

    /** On the engine: a LoRA factor takes its weight's cuts (B rows for row cuts, A columns for column cuts). */
    private static void zeroCuts(CausalLm model, LoraAdapters ad, StructureSet set, Collection<StructureRef> refs, boolean base) {
        Map<String, Tensor> all = tensors(model, ad);
        Map<String, List<Cut>> byName = new LinkedHashMap<>();
        for (StructureRef r : refs)
            for (Cut c : set.get(r).zeroed()) {
                if (base) byName.computeIfAbsent(c.param(), k -> new ArrayList<>()).add(c);
                if (c.lora() != null && all.containsKey(c.lora())) byName.computeIfAbsent(c.lora(), k -> new ArrayList<>()).add(c);
            }
        try (StepScope s = ad == null ? Engine.openScope(model.store()) : Engine.openScope(model.store(), ad.store())) {
            for (Map.Entry<String, List<Cut>> e : byName.entrySet()) {
                Tensor t = all.get(e.getKey());
                t.assign(SliceOps.zeroed(s, t, e.getValue()));
            }
        }
    }

    static Set<String> touched(StructureSet set, Collection<StructureRef> refs) {
        Set<String> names = new LinkedHashSet<>();
        for (StructureRef r : refs)
            for (Cut c : set.get(r).zeroed()) {
                names.add(c.param());
                if (c.lora() != null) names.add(c.lora());
            }
        return names;
    }

    /** Base parameters and LoRA factors by name. */
    static Map<String, Tensor> tensors(CausalLm model, LoraAdapters ad) {
        Map<String, Tensor> m = new HashMap<>(model.params());
        if (ad != null)
            for (LoraLinear l : ad.modules().values()) {
                m.put(l.name() + ".lora_A.weight", l.loraA());
                m.put(l.name() + ".lora_B.weight", l.loraB());
            }
        return m;
    }
}
