package dev.shear.lora;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.engine.TensorStore;
import dev.shear.model.CausalLm;
import dev.shear.model.Projection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** The adapters inserted into one model: insert, train, merge, unmerge, remove. */
public final class LoraAdapters implements AutoCloseable {
    private final CausalLm model;
    private final LoraConfig config;
    private final TensorStore store;
    private final Map<String, LoraLinear> modules = new LinkedHashMap<>();
    private boolean merged;

    private LoraAdapters(CausalLm model, LoraConfig config) {
        this.model = model;
        this.config = config;
        this.store = new TensorStore(model.computeDtype(), model.device());  // adapters stay fp32 over an fp16 base
    }

    /**
     * Wraps every targeted projection. A is Kaiming-uniform (bound 1/sqrt(in), as PEFT), B is zero,
     * so the model's function is unchanged at step 0.
     */
    public static LoraAdapters insert(CausalLm model, LoraConfig config) {
        LoraAdapters ad = new LoraAdapters(model, config);
        Random rnd = new Random(config.seed());
        for (Projection p : new ArrayList<>(model.projections().values())) {
            if (!config.targets(p.name())) continue;
            if (p instanceof LoraLinear) throw new IllegalStateException(p.name() + " already has an adapter");
            long out = p.weight().dim(0), in = p.weight().dim(1);
            float bound = (float) (1.0 / Math.sqrt(in));
            float[] a = new float[(int) (config.rank() * in)];
            for (int i = 0; i < a.length; i++) a[i] = (rnd.nextFloat() * 2 - 1) * bound;
            Tensor ta = ad.store.create(p.name() + ".lora_A.weight", HostTensor.of(a, config.rank(), in));
            Tensor tb = ad.store.create(p.name() + ".lora_B.weight", HostTensor.of(new float[(int) (out * config.rank())], out, config.rank()));
            ta.requireGrad(true);
            tb.requireGrad(true);
            LoraLinear l = new LoraLinear(p, ta, tb, config.scale(), config.dropout());
            ad.modules.put(p.name(), l);
            model.replaceProjection(l);
        }
        if (ad.modules.isEmpty()) throw new IllegalArgumentException("lora targets " + config.targets() + " match no projection of the model");
        return ad;
    }

    public LoraConfig config() { return config; }

    public CausalLm model() { return model; }

    public TensorStore store() { return store; }

    public Map<String, LoraLinear> modules() { return Collections.unmodifiableMap(modules); }

    /** A and B of every adapter: the trainable parameters. */
    public List<Tensor> trainable() {
        List<Tensor> out = new ArrayList<>();
        for (LoraLinear l : modules.values()) { out.add(l.loraA()); out.add(l.loraB()); }
        return out;
    }

    public void setTraining(boolean on) { modules.values().forEach(l -> l.setTraining(on)); }

    /** W += s·B·A and stop applying the adapter; {@link #unmerge()} undoes it. */
    public void merge() {
        if (merged) return;
        try (StepScope s = Engine.openScope(model.store(), store)) {
            for (LoraLinear l : modules.values()) {
                l.weight().addInPlace(l.loraB().matmul(l.loraA()).mul(l.scale()));   // (out, in)
                model.replaceProjection(l.base());
            }
        }
        merged = true;
    }

    public void unmerge() {
        if (!merged) return;
        try (StepScope s = Engine.openScope(model.store(), store)) {
            for (LoraLinear l : modules.values()) {
                l.weight().subInPlace(l.loraB().matmul(l.loraA()).mul(l.scale()));
                model.replaceProjection(l);
            }
        }
        merged = false;
    }

    /** W += s·B·A, then B = 0: the adapter stays but starts again from zero; the function is unchanged. */
    public void foldAndReset() {
        try (StepScope s = Engine.openScope(model.store(), store)) {
            for (LoraLinear l : modules.values()) {
                l.weight().addInPlace(l.loraB().matmul(l.loraA()).mul(l.scale()));
                l.loraB().fill(0);
            }
        }
    }

    /** Merges and removes the adapters for good; the model keeps the merged weights. */
    @Override public void close() {
        if (!merged) merge();
        store.close();
    }

    /**
     * Runs {@code body} on the base projections alone, the adapters left as they are and put back
     * after: measuring the base model (KDA, a dense reference) without paying for the adapters' ops.
     */
    public <T> T bypassed(java.util.function.Supplier<T> body) {
        if (merged) return body.get();
        for (LoraLinear l : modules.values()) model.replaceProjection(l.base());
        try {
            return body.get();
        } finally {
            for (LoraLinear l : modules.values()) model.replaceProjection(l);
        }
    }

    /** Removes the adapters without merging. */
    public void discard() {
        if (!merged) for (LoraLinear l : modules.values()) model.replaceProjection(l.base());
        store.close();
    }

    public Map<String, HostTensor> toHost() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        try (StepScope s = Engine.openScope(store)) {
            for (LoraLinear l : modules.values()) {
                out.put(l.name() + ".lora_A.weight", l.loraA().toHost());
                out.put(l.name() + ".lora_B.weight", l.loraB().toHost());
            }
        }
        return out;
    }

    /** The names and shapes {@link #toHost} gives, without copying anything. */
    public Map<String, long[]> shapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (LoraLinear l : modules.values()) {
            out.put(l.name() + ".lora_A.weight", l.loraA().shape());
            out.put(l.name() + ".lora_B.weight", l.loraB().shape());
        }
        return out;
    }

    /** Overwrites A and B from host copies (checkpoint resume). */
    public void load(Map<String, HostTensor> values) {
        try (StepScope s = Engine.openScope(store)) {
            for (LoraLinear l : modules.values()) {
                l.loraA().assign(values.get(l.name() + ".lora_A.weight").data());
                l.loraB().assign(values.get(l.name() + ".lora_B.weight").data());
            }
        }
    }
}
