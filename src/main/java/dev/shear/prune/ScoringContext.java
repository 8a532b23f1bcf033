package dev.shear.prune;

import dev.shear.engine.HostTensor;
import dev.shear.graph.StructureSet;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraLinear;
import dev.shear.model.CausalLm;
import java.util.HashMap;
import java.util.Map;

/**
 * What a saliency may look at: host copies of the base weights, the LoRA products s·B·A, the
 * calibration statistics, and (for the accumulated-update variant) the weights when pruning began.
 */
public final class ScoringContext {
    private final StructureSet set;
    private final Map<String, HostTensor> weights;
    private final Map<String, HostTensor> loraDelta = new HashMap<>();
    private final LoraAdapters adapters;
    private final Calibration calibration;
    private Map<String, HostTensor> initialWeights;

    public ScoringContext(StructureSet set, CausalLm model, LoraAdapters adapters, Calibration calibration) {
        this.set = set;
        this.weights = model.toHost();
        this.adapters = adapters;
        this.calibration = calibration;
        if (adapters != null) {
            Map<String, HostTensor> host = adapters.toHost();
            for (LoraLinear l : adapters.modules().values()) {
                HostTensor a = host.get(l.name() + ".lora_A.weight"), b = host.get(l.name() + ".lora_B.weight");
                loraDelta.put(l.name() + ".weight", product(b, a, l.scale()));
            }
        }
    }

    public StructureSet set() { return set; }

    public Map<String, HostTensor> weights() { return weights; }

    /** s·B·A for a base weight, or null if its module has no adapter. */
    public HostTensor loraDelta(String weightName) { return loraDelta.get(weightName); }

    public boolean hasAdapters() { return adapters != null; }

    public Calibration calibration() {
        if (calibration == null) throw new IllegalStateException("this criterion needs calibration data (--data)");
        return calibration;
    }

    public Map<String, HostTensor> initialWeights() { return initialWeights; }

    public ScoringContext withInitialWeights(Map<String, HostTensor> w) {
        this.initialWeights = w;
        return this;
    }

    /** (out, r) × (r, in) × s on the heap; adapters are rank 8, so this is cheap next to a forward pass. */
    static HostTensor product(HostTensor b, HostTensor a, double s) {
        int out = (int) b.shape()[0], r = (int) b.shape()[1], in = (int) a.shape()[1];
        float[] c = new float[out * in];
        float[] bd = b.data(), ad = a.data();
        for (int i = 0; i < out; i++)
            for (int k = 0; k < r; k++) {
                float bik = (float) (bd[i * r + k] * s);
                if (bik == 0) continue;
                for (int j = 0; j < in; j++) c[i * in + j] += bik * ad[k * in + j];
            }
        return HostTensor.of(c, out, in);
    }
}
