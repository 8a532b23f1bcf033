package dev.shear.plan;

import dev.shear.engine.DType;

/**
 * Predicts the peak memory of a workload from the model's shapes and the way Shear runs it. A forward
 * pass without a tape keeps one layer's temporaries at a time (each layer has its own scope). A LoRA
 * step is still counted as "every tensor the forward makes" ({@link LayerActivations}), an upper
 * bound since the per-layer scopes: autograd keeps only what backward needs. Checkpointing keeps
 * layer inputs plus one recomputed layer; an fp16 base computes in fp32 through widened weight
 * copies, which autograd keeps where it needs them.
 */
public final class MemoryPlanner {
    /**
     * Engine and JVM resident set on the CPU: 170 MiB once libtorch is up ({@code shear bench memory
     * --phase baseline}), about 30 MiB more once MKL and the thread pool have run real work.
     */
    public static final long CPU_RUNTIME = 200L << 20;
    /** What a training step adds to the runtime beyond tensors: JIT-compiled code and class data of the training path (~16 MiB measured on stories260K). */
    public static final long TRAINING_RUNTIME = 16L << 20;
    /**
     * Share of activations and workspace the allocator holds beyond live tensors at the peak. One
     * constant for every model and setting, not a per-case correction: with the launcher's glibc
     * settings (mmap threshold 32 MiB, no trimming) blocks under 32 MiB come from arenas that never
     * shrink, and a step frees and reallocates them in a different order than the last one, so free
     * gaps sit between live blocks. Chosen from the stories260K and 110M measurements; the 1.1B rows
     * of docs/benchmarks.md check it. The CUDA caching allocator's rounding is assumed to cost as much.
     */
    public static final double ALLOCATOR_SLACK = 0.10;
    /** Assumed, not measured here: CUDA context, cuBLAS workspaces and libtorch kernels on the device. */
    public static final long GPU_RUNTIME = 1L << 30;
    /** Heap buffers of a streamed load (read buffer, staging chunk). */
    private static final long STREAM_BUFFERS = 20L << 20;
    private static final int F32 = 4;

    private MemoryPlanner() {}

    public static MemoryEstimate estimate(Workload w) {
        WeightInventory inv = new WeightInventory(w.config());
        LayerActivations la = new LayerActivations(w.config(), w.batch(), w.seq(), w.lora(), w.phase().training());
        long model = inv.params() * w.baseDtype().bytes() + inv.ropeTableBytes();
        long weights = (w.phase().reference() ? 2 : 1) * model;
        long loraParams = w.phase().training() ? inv.loraParams(w.lora()) : 0;
        long lora = 2L * loraParams * F32;                                           // A, B and their gradients
        long optimizer = 2L * loraParams * F32;                                      // AdamW's two moments
        long[] actWork = w.phase().training() ? training(w, inv, la) : forward(w, inv, la);
        long act = actWork[0], work = Math.max(actWork[1], 11L * loraParams * F32 - act);   // the optimizer step's temporaries
        long runtime = (w.gpu() ? GPU_RUNTIME : CPU_RUNTIME + (w.phase().training() ? TRAINING_RUNTIME : 0))
                + (long) (ALLOCATOR_SLACK * (act + work));
        long host = (w.streamedLoad() ? STREAM_BUFFERS : inv.params() * F32) + w.phase().hostCopies() * inv.params() * F32;
        return new MemoryEstimate(weights, lora, optimizer, act, work, runtime, host);
    }

    /** {activations, workspace} of a LoRA training step, in bytes. */
    private static long[] training(Workload w, WeightInventory inv, LayerActivations la) {
        int layers = w.config().numLayers();
        boolean half = w.baseDtype() == DType.F16;
        long headWide = half ? inv.headParams() * F32 : 0;           // the widened head weight, saved for backward
        if (!w.checkpoint()) {
            long act = la.embedding() + la.head();
            long work = la.headBackwardTransient();
            long widened = 0;
            for (int i = 0; i < layers; i++) {
                act += la.retained(i);
                work = Math.max(work, la.backwardTransient(i));
                widened += inv.layerProjectionParams(i);
            }
            long savedWide = half ? (widened - inv.layerZeroInputProjections()) * F32 + headWide : 0;
            return new long[] {act * F32 + savedWide, work * F32};
        }
        long act = la.embedding() + (layers + 1) * la.layerOutput() + la.head();    // layer inputs, top, head
        long recompute = 0;
        for (int i = 0; i < layers; i++) {
            long layer = (la.retained(i) + la.backwardTransient(i) + 2 * la.layerOutput()) * F32;
            recompute = Math.max(recompute, layer + (half ? inv.layerProjectionParams(i) * F32 : 0));
        }
        // The head's backward frees its gradients before the first recompute, but the allocator keeps
        // those blocks and cannot hand them to the layers' differently sized tensors: both stay resident.
        // Recomputing layer after layer, the gradients passed down are carved out of the previous layer's
        // freed blocks, and about one more layer's working set stays resident (measured, B 4 x T 512).
        long buffer = half ? inv.largestMatrix() * F32 : 0;                       // the untaped forward's widening buffer
        return new long[] {act * F32 + headWide, la.headBackwardTransient() * F32 + 2 * recompute + buffer};
    }

    /**
     * {activations, workspace} of a forward pass without a tape, in bytes. With or without
     * checkpointing each layer runs in its own scope, so only its input, its output and one layer's
     * temporaries are alive at once.
     */
    private static long[] forward(Workload w, WeightInventory inv, LayerActivations la) {
        long widen = w.baseDtype() == DType.F16 ? inv.largestMatrix() * F32 : 0;    // the widening buffer, grown to the largest matrix
        long act = la.embedding() + la.layerOutput() + la.head();                 // input, current output, head
        long layer = 0;
        for (int i = 0; i < w.config().numLayers(); i++) layer = Math.max(layer, la.retained(i));
        return new long[] {act * F32, layer * F32 + widen};
    }
}
