package dev.shear.plan;

import dev.shear.engine.DType;
import dev.shear.lora.LoraConfig;
import dev.shear.model.ModelConfig;

/**
 * What the planner is asked about: one phase of one model at a batch shape, with a base precision,
 * checkpointing choice and device kind.
 *
 * @param lora         adapters trained in the phase; null for forward-only phases
 * @param gpu          device memory is separate from host memory (on the CPU they are one pool)
 * @param streamedLoad weights go to the engine tensor by tensor (Hugging Face folders); false means
 *                     the whole fp32 model sits on the heap first (llama2.c files, in-memory maps)
 */
public record Workload(ModelConfig config, Phase phase, int batch, int seq, DType baseDtype, boolean checkpoint,
                       LoraConfig lora, boolean gpu, boolean streamedLoad) {
    public Workload {
        if (batch < 1 || seq < 1) throw new IllegalArgumentException("plan: batch " + batch + " and seq " + seq + " must be positive");
        if (seq > config.maxSeqLen()) throw new IllegalArgumentException("plan: seq " + seq + " exceeds the context length " + config.maxSeqLen());
        if (baseDtype != DType.F32 && baseDtype != DType.F16) throw new IllegalArgumentException("plan: base dtype " + baseDtype + ", expected F32 or F16");
        if (phase.training() && lora == null) throw new IllegalArgumentException("plan: phase " + phase.label() + " trains adapters, no LoRA config given");
    }

    public long tokens() { return (long) batch * seq; }

    public Workload with(DType base, boolean ckpt) { return new Workload(config, phase, batch, seq, base, ckpt, lora, gpu, streamedLoad); }
}
