package dev.shear.cli;

import dev.shear.data.TokenBatch;
import dev.shear.engine.Bench;
import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Ops;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.io.LoadedModel;
import dev.shear.io.ModelFolder;
import dev.shear.io.ModelStream;
import dev.shear.io.SafetensorsDType;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.model.RandomWeightSource;
import dev.shear.model.WeightNames;
import dev.shear.plan.MemoryEstimate;
import dev.shear.plan.MemoryPlanner;
import dev.shear.plan.Phase;
import dev.shear.plan.Workload;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.TrainStep;
import java.util.List;
import java.util.Random;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Peak resident memory (VmHWM) of one run, next to the planner's prediction for it. VmHWM covers the
 * whole process, so measure one configuration per JVM.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Measured peak RSS (VmHWM) of loading, a forward pass or a LoRA step, against the memory planner. One configuration per run.")
final class BenchMemoryCommand implements Runnable {
    @Mixin CommonOptions common;
    @Mixin ModelChoice choice;
    @Mixin ModelOptions modelOptions;
    @Option(names = "--phase", defaultValue = "lora", paramLabel = "baseline|load|forward|lora",
            description = "baseline: engine only; load: build the model; forward: evaluation forward and loss; lora: LoRA training steps (default: ${DEFAULT-VALUE}).")
    String phase;
    @Option(names = "--batch", defaultValue = "1") int batch;
    @Option(names = "--seq", defaultValue = "128") int seq;
    @Option(names = "--steps", defaultValue = "3", description = "Forward passes or training steps (default: ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--lora-rank", defaultValue = "8") int rank;
    @Option(names = "--whole-load", description = "Load the whole model onto the heap first (the non-streaming path), to compare.")
    boolean wholeLoad;
    @Option(names = "--save-random", paramLabel = "DIR",
            description = "Write random weights of --config as a sharded fp32 Hugging Face folder (for load measurements) and exit.")
    java.nio.file.Path saveRandom;
    @Option(names = "--shard-size", defaultValue = "2GB", description = "Shard size for --save-random (default: ${DEFAULT-VALUE}).")
    String shardSize;

    @Override public void run() {
        common.apply();
        if (saveRandom != null) {
            writeRandom();
            return;
        }
        Engine.version();
        try (StepScope s = Engine.openScope()) { s.zeros(DType.F32, 4).sum().item(); }    // engine fully up
        double start = Bench.peakRssMib();
        System.out.printf("VmHWM after engine start  %9.1f MiB%n", start);
        if (phase.equals("baseline")) return;
        ModelConfig cfg = choice.config();
        try (CausalLm model = modelOptions.options().configure(load(cfg))) {
            double loaded = Bench.peakRssMib();
            System.out.printf("VmHWM after load          %9.1f MiB  (%d parameters, base %s)%n", loaded, model.numParams(), model.dtype());
            switch (phase) {
                case "load" -> { }
                case "forward" -> forward(model);
                case "lora" -> train(model);
                default -> throw new IllegalArgumentException("--phase " + phase + ": expected baseline, load, forward or lora");
            }
            double peak = Bench.peakRssMib();
            if (!phase.equals("load")) System.out.printf("VmHWM after %-13s %9.1f MiB%n", phase, peak);
            report(cfg, peak);
        }
    }

    /** The whole model is built on the heap here (this is the writer, not a measurement). */
    private void writeRandom() {
        ModelConfig cfg = choice.config();
        RandomWeightSource src = new RandomWeightSource(cfg, common.seed, 0.02f);
        java.util.Map<String, HostTensor> weights = new java.util.LinkedHashMap<>();
        for (var e : WeightNames.expectedShapes(cfg).entrySet()) {
            float[] data = new float[Math.toIntExact(HostTensor.numel(e.getValue()))];
            src.read(e.getKey(), 0, java.nio.FloatBuffer.wrap(data));
            weights.put(e.getKey(), new HostTensor(e.getValue(), data));
        }
        ModelFolder.save(new LoadedModel(cfg, weights, null), null, saveRandom,
                new ModelFolder.SaveOptions(SafetensorsDType.F32, ByteSize.parse(shardSize)));
        System.out.println("wrote " + saveRandom);
    }

    private CausalLm load(ModelConfig cfg) {
        DType base = modelOptions.baseDtype();
        if (choice.random()) return CausalLm.fromSource(cfg, new RandomWeightSource(cfg, common.seed, 0.02f), base);
        if (wholeLoad) {
            LoadedModel lm = ModelFolder.load(choice.model);
            return CausalLm.fromWeights(lm.config(), lm.weights(), base);
        }
        try (ModelStream s = ModelFolder.open(choice.model)) { return CausalLm.fromSource(s.config(), s.weights(), base); }
    }

    private void forward(CausalLm model) {
        TokenBatch b = batch(model.config());
        for (int k = 0; k < steps; k++) {
            try (StepScope s = Engine.openScope(model.store())) {
                Tensor logits = model.forward(s.tokens(b.inputs()));                        // (B, T, V)
                Tensor ones = s.zeros(model.computeDtype(), batch, seq).add(1.0);
                Ops.crossEntropy(logits, s.tokens(b.targets()), ones).item();
            }
        }
    }

    private void train(CausalLm model) {
        LoraAdapters ad = LoraAdapters.insert(model, Phase.LORA_STEP.defaultLora(rank));
        try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
            TokenBatch b = batch(model.config());
            for (int k = 0; k < steps; k++) TrainStep.run(ad, opt, List.of(b), 1e-4);
        }
        ad.discard();
    }

    private TokenBatch batch(ModelConfig cfg) {
        Random r = new Random(common.seed);
        int[][] rows = new int[batch][seq + 1];
        for (int[] row : rows) for (int j = 0; j < row.length; j++) row[j] = r.nextInt(cfg.vocabSize());
        return TokenBatch.causal(rows);
    }

    private void report(ModelConfig cfg, double measuredMib) {
        Phase p = phase.equals("lora") ? Phase.LORA_STEP : Phase.EVALUATION;
        boolean streamed = choice.streamed() && !wholeLoad;
        Workload w = new Workload(cfg, p, batch, seq, modelOptions.baseDtype(), modelOptions.checkpointActivations,
                p.defaultLora(rank), false, streamed);
        MemoryEstimate e = MemoryPlanner.estimate(w);
        long predicted = phase.equals("load") ? e.weights() + MemoryPlanner.CPU_RUNTIME + e.host() : e.devicePeak(false);
        System.out.printf("predicted peak            %9s MiB  (weights %s, lora %s, optimizer %s, activations %s, workspace %s, runtime %s, host %s)%n",
                ByteSize.mib(predicted), ByteSize.mib(e.weights()), ByteSize.mib(e.lora()), ByteSize.mib(e.optimizer()),
                phase.equals("load") ? "-" : ByteSize.mib(e.activations()), phase.equals("load") ? "-" : ByteSize.mib(e.workspace()),
                ByteSize.mib(phase.equals("load") ? MemoryPlanner.CPU_RUNTIME : e.runtime()), ByteSize.mib(e.host()));
        double ratio = measuredMib / (predicted / (double) (1L << 20));
        System.out.printf("measured / predicted      %9.3f%n", ratio);
        System.out.printf(java.util.Locale.ROOT, "RESULT | %s | %s | %s | %d | %d | %.1f | %.1f | %.3f |%n",
                phase, modelOptions.baseDtype(), modelOptions.checkpointActivations ? "on" : "off", batch, seq,
                predicted / (double) (1L << 20), measuredMib, ratio);
    }
}
