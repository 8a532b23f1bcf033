package dev.shear.train;

import dev.shear.data.TokenBatch;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;

/** The distillation loss of {@link DistillSettings} against a {@link Teacher}. */
public final class Distillation implements TrainLoss {
    private final DistillSettings settings;
    private final Teacher teacher;

    public Distillation(DistillSettings settings, Teacher teacher) {
        this.settings = settings;
        this.teacher = teacher;
    }

    public DistillSettings settings() { return settings; }

    /** The loss a training run minimises under these settings: plain cross-entropy when distillation is off. */
    public static TrainLoss loss(DistillSettings settings, Teacher teacher) {
        if (!settings.enabled()) return TrainLoss.CROSS_ENTROPY;
        if (teacher == null) throw new IllegalArgumentException("distillation needs the original model as its teacher (none was given)");
        return new Distillation(settings, teacher);
    }

    @Override public Tensor compute(StepScope s, long step, int micro, TokenBatch mb, Tensor logits, Tensor targets, Tensor weights) {
        Tensor ce = Ops.crossEntropy(logits, targets, weights);
        if (settings.alpha() == 0) return ce;                        // exactly language-modelling training; the teacher is not run
        Teacher.Targets t = teacher.targets(s, step, micro, mb);
        Tensor kd = t.full() ? Ops.distillationFull(logits, t.values(), settings.temperature(), weights)
                : Ops.distillation(logits, t.values(), t.indices(), settings.temperature(), weights);
        if (settings.alpha() == 1) return kd;
        return kd.mul(settings.alpha()).add(ce.mul(1 - settings.alpha()));
    }
}
