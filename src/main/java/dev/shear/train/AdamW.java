package dev.shear.train;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.engine.TensorStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Standard AdamW with bias correction, optional global-norm clipping; moments live in their own store. */
public final class AdamW implements Optimizer, AutoCloseable {
    private final List<Tensor> params;
    private final AdamWConfig config;
    private final TensorStore state;
    private final List<Tensor> m = new ArrayList<>();
    private final List<Tensor> v = new ArrayList<>();
    private final TensorStore[] paramStores;
    private long steps;
    private double lastGradNorm;

    public AdamW(List<Tensor> params, AdamWConfig config, TensorStore... paramStores) {
        this.params = List.copyOf(params);
        this.config = config;
        this.paramStores = paramStores;
        this.state = params.isEmpty() ? new TensorStore(DType.F32)
                : new TensorStore(params.get(0).dtype(), params.get(0).device());          // moments beside their parameters
        for (Tensor p : params) {
            m.add(state.zeros(p.name() + ".exp_avg", p.shape()));
            v.add(state.zeros(p.name() + ".exp_avg_sq", p.shape()));
        }
    }

    @Override public long steps() { return steps; }

    /** Global gradient norm seen by the last step, before clipping. */
    public double lastGradNorm() { return lastGradNorm; }

    public List<Tensor> params() { return params; }

    /**
     * Global L2 norm of all gradients; NaN or Inf when any gradient is not finite. Summed on the
     * device and read once: one host transfer per step, however many parameters.
     */
    public double gradNorm() {
        try (StepScope s = openScope()) {
            Tensor sq = null;
            for (Tensor p : params) {
                if (!p.hasGradient()) continue;
                Tensor part = p.grad().square().sum();                                 // () on the device
                sq = sq == null ? part : sq.add(part);
            }
            return sq == null ? 0.0 : Math.sqrt(sq.item());
        }
    }

    @Override public void step(double lr) {
        steps++;
        double b1 = config.beta1(), b2 = config.beta2();
        double c1 = 1 - Math.pow(b1, steps), c2 = 1 - Math.pow(b2, steps);
        lastGradNorm = gradNorm();
        if (!Double.isFinite(lastGradNorm)) {   // a NaN/Inf step is skipped whole; callers count these
            steps--;
            zeroGrad();
            return;
        }
        double clip = config.maxGradNorm() > 0 && lastGradNorm > config.maxGradNorm() ? config.maxGradNorm() / (lastGradNorm + 1e-6) : 1.0;
        try (StepScope s = openScope()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                if (!p.hasGradient()) continue;
                Tensor g = p.grad().mul(clip);
                m.get(i).scaleInPlace(b1);
                m.get(i).addInPlace(g.mul(1 - b1));
                v.get(i).scaleInPlace(b2);
                v.get(i).addInPlace(g.square().mul(1 - b2));
                Tensor update = m.get(i).mul(1 / c1).div(v.get(i).mul(1 / c2).sqrt().add(config.eps()));
                if (config.weightDecay() > 0) p.scaleInPlace(1 - lr * config.weightDecay());
                p.subInPlace(update.mul(lr));
                p.zeroGrad();
            }
        }
    }

    public void zeroGrad() {
        try (StepScope s = openScope()) {
            for (Tensor p : params) p.zeroGrad();
        }
    }

    private StepScope openScope() {
        TensorStore[] all = new TensorStore[paramStores.length + 1];
        System.arraycopy(paramStores, 0, all, 0, paramStores.length);
        all[paramStores.length] = state;
        return Engine.openScope(all);
    }

    /** Moments and step count, for checkpoints. */
    public Map<String, HostTensor> stateToHost() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        try (StepScope s = Engine.openScope(state)) {
            for (int i = 0; i < params.size(); i++) {
                out.put(params.get(i).name() + ".exp_avg", m.get(i).toHost());
                out.put(params.get(i).name() + ".exp_avg_sq", v.get(i).toHost());
            }
        }
        return out;
    }

    /** The names and shapes {@link #stateToHost} gives, without copying anything. */
    public Map<String, long[]> stateShapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Tensor p : params) {
            out.put(p.name() + ".exp_avg", p.shape());
            out.put(p.name() + ".exp_avg_sq", p.shape());
        }
        return out;
    }

    public void loadState(Map<String, HostTensor> values, long stepCount) {
        try (StepScope s = Engine.openScope(state)) {
            for (int i = 0; i < params.size(); i++) {
                m.get(i).assign(values.get(params.get(i).name() + ".exp_avg").data());
                v.get(i).assign(values.get(params.get(i).name() + ".exp_avg_sq").data());
            }
        }
        steps = stepCount;
    }

    @Override public void close() { state.close(); }
}
