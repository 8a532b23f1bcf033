package dev.shear.pipeline;

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
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Peak resident memory (VmHWM) of one run, next to the memory planner's prediction for it. VmHWM
 * covers the whole process, so one configuration per JVM.
 */
public final class MemoryBench {
    private MemoryBench() {}

    /**
     * @param phase load (build the model), forward (evaluation forward and loss) or lora (LoRA training steps)
     * @param model the model file or folder, or null for random weights of the configuration
     * @param streamed whether the model loads tensor by tensor (a Hugging Face folder or random weights)
     * @param wholeLoad load the whole model onto the heap first (the non-streaming path)
     * @param steps forward passes or training steps
     */
    public record Settings(String phase, Path model, boolean streamed, LoadedLm.Options options, boolean wholeLoad, int batch, int seq, int steps,
                           int loraRank, long seed) {}

    /** The model a run built: its size and base dtype, and the peak RSS right after building it. */
    public record Loaded(double peakRssMib, long params, DType dtype) {}

    /**
     * The planner's peak for the run and the terms it adds up.
     * @param predictedBytes for load, weights + runtime + host; otherwise the device peak
     */
    public record Prediction(MemoryEstimate estimate, long predictedBytes) {}

    /** @param peakRssMib VmHWM after the phase */
    public record Result(Loaded loaded, double peakRssMib, Prediction prediction) {
        public double measuredOverPredicted() { return peakRssMib / (prediction.predictedBytes() / (double) (1L << 20)); }
    }

    /** Refuses a phase other than baseline, load, forward or lora (callers check it before loading anything). */
    public static void checkPhase(String phase) {
        if (!java.util.List.of("baseline", "load", "forward", "lora").contains(phase))
            throw new IllegalArgumentException("--phase " + phase + ": expected baseline, load, forward or lora");
    }

    /** Brings the engine fully up and returns VmHWM then: the baseline every other phase starts from. */
    public static double engineStart() {
        Engine.version();
        try (StepScope s = Engine.openScope()) { s.zeros(DType.F32, 4).sum().item(); }    // engine fully up
        return Bench.peakRssMib();
    }

    /** Builds the model of {@code cfg} and runs the phase; {@code loaded} hears of the model as soon as it is built. */
    public static Result run(ModelConfig cfg, Settings s, java.util.function.Consumer<Loaded> loaded) {
        checkPhase(s.phase());
        try (CausalLm model = s.options().configure(load(cfg, s))) {
            Loaded l = new Loaded(Bench.peakRssMib(), model.numParams(), model.dtype());
            loaded.accept(l);
            switch (s.phase()) {
                case "load" -> { }
                case "forward" -> forward(model, s);
                case "lora" -> train(model, s);
                default -> throw new IllegalArgumentException("--phase " + s.phase() + ": expected baseline, load, forward or lora");
            }
            return new Result(l, Bench.peakRssMib(), predict(cfg, s));
        }
    }

    private static CausalLm load(ModelConfig cfg, Settings s) {
        DType base = s.options().baseDtype();
        if (s.model() == null) return CausalLm.fromSource(cfg, new RandomWeightSource(cfg, s.seed(), 0.02f), base);
        if (s.wholeLoad()) {
            LoadedModel lm = ModelFolder.load(s.model());
            return CausalLm.fromWeights(lm.config(), lm.weights(), base);
        }
        try (ModelStream st = ModelFolder.open(s.model())) { return CausalLm.fromSource(st.config(), st.weights(), base); }
    }

    private static void forward(CausalLm model, Settings s) {
        TokenBatch b = batch(model.config(), s);
        for (int k = 0; k < s.steps(); k++) {
            try (StepScope sc = Engine.openScope(model.store())) {
                Tensor logits = model.forward(sc.tokens(b.inputs()));                        // (B, T, V)
                Tensor ones = sc.zeros(model.computeDtype(), s.batch(), s.seq()).add(1.0);
                Ops.crossEntropy(logits, sc.tokens(b.targets()), ones).item();
            }
        }
    }

    private static void train(CausalLm model, Settings s) {
        LoraAdapters ad = LoraAdapters.insert(model, Phase.LORA_STEP.defaultLora(s.loraRank()));
        try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
            TokenBatch b = batch(model.config(), s);
            for (int k = 0; k < s.steps(); k++) TrainStep.run(ad, opt, List.of(b), 1e-4);
        }
        ad.discard();
    }

    private static TokenBatch batch(ModelConfig cfg, Settings s) {
        Random r = new Random(s.seed());
        int[][] rows = new int[s.batch()][s.seq() + 1];
        for (int[] row : rows) for (int j = 0; j < row.length; j++) row[j] = r.nextInt(cfg.vocabSize());
        return TokenBatch.causal(rows);
    }

    private static Prediction predict(ModelConfig cfg, Settings s) {
        Phase p = s.phase().equals("lora") ? Phase.LORA_STEP : Phase.EVALUATION;
        boolean streamed = s.streamed() && !s.wholeLoad();
        Workload w = new Workload(cfg, p, s.batch(), s.seq(), s.options().baseDtype(), s.options().checkpointActivations(),
                p.defaultLora(s.loraRank()), false, streamed);
        MemoryEstimate e = MemoryPlanner.estimate(w);
        long predicted = s.phase().equals("load") ? e.weights() + MemoryPlanner.CPU_RUNTIME + e.host() : e.devicePeak(false);
        return new Prediction(e, predicted);
    }

    /** Writes random weights of {@code cfg} as a sharded fp32 Hugging Face folder; the whole model is built on the heap (this is the writer, not a measurement). */
    public static void writeRandom(ModelConfig cfg, long seed, Path dir, long shardBytes) {
        RandomWeightSource src = new RandomWeightSource(cfg, seed, 0.02f);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        for (var e : WeightNames.expectedShapes(cfg).entrySet()) {
            float[] data = new float[Math.toIntExact(HostTensor.numel(e.getValue()))];
            src.read(e.getKey(), 0, FloatBuffer.wrap(data));
            weights.put(e.getKey(), new HostTensor(e.getValue(), data));
        }
        ModelFolder.save(new LoadedModel(cfg, weights, null), null, dir, new ModelFolder.SaveOptions(SafetensorsDType.F32, shardBytes));
    }
}
