package dev.shear.recover;

import dev.shear.data.BatchSource;
import dev.shear.data.Corpus;
import dev.shear.data.Packing;
import dev.shear.data.TokenBatch;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Progress;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import dev.shear.train.AdamW;
import dev.shear.train.Distillation;
import dev.shear.train.Teacher;
import dev.shear.train.Checkpointer;
import dev.shear.train.LrSchedule;
import dev.shear.train.TrainingLoop;
import dev.shear.train.TrainingSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Dynamic knowledge recovery (LoRAShear Algorithm 5, pretraining stage): each round measures how
 * much each source degraded, samples a subset weighted towards the worst ones, LoRA-tunes on it,
 * merges, and measures again. A static mixture (uniform weights) is the control.
 */
public final class DynamicRecovery {
    private DynamicRecovery() {}

    public record RoundLog(int round, Map<String, Double> degradation, Map<String, Double> weights, Map<String, Integer> rows,
                           Map<String, Double> pplBefore, Map<String, Double> pplAfter, List<Double> losses,
                           double meanImprovement, double seconds, List<TrainingLoop.Event> events) {}

    public record Report(Map<String, Double> referencePpl, List<RoundLog> rounds, String stopReason, long tokens, double seconds) {}

    /** Per-round state files: "round-N" holds the merged model after round N; the loop's own checkpoints go beside it. */
    public interface RoundStore {
        /** Nothing saved, nothing resumed. */
        RoundStore NONE = new RoundStore() {
            @Override public Checkpointer loop(int round) { return Checkpointer.NONE; }
            @Override public Checkpointer rounds() { return Checkpointer.NONE; }
        };

        Checkpointer loop(int round);

        Checkpointer rounds();
    }

    /**
     * @param referencePpl the original model's perplexity on each source's validation split
     */
    public static Report run(CausalLm model, List<Corpus> sources, Map<String, Double> referencePpl,
                             RecoverySettings s, RoundStore store, Progress progress) {
        return run(model, sources, referencePpl, s, store, progress, null);
    }

    /** @param teacher the original model's outputs, when the training settings distil from it (null otherwise) */
    public static Report run(CausalLm model, List<Corpus> sources, Map<String, Double> referencePpl,
                             RecoverySettings s, RoundStore store, Progress progress, Teacher teacher) {
        long t0 = System.nanoTime();
        List<RoundLog> logs = new ArrayList<>();
        int first = restoreRounds(model, store, logs);
        Map<String, Double> before = measure(model, sources, s.training());
        String stop = "ran all " + s.rounds() + " rounds";
        long tokens = 0;
        for (int r = first; r < s.rounds(); r++) {
            long rt = System.nanoTime();
            double[] d = MixtureWeights.degradation(sources, before, referencePpl);
            MixtureSettings m = s.mixture();
            double[] w = m.dynamic() ? MixtureWeights.compute(d, m.tau(), m.floor()) : uniform(d.length);
            int[] rows = Packing.allocate(w, s.stepsPerRound() * s.training().batch());
            List<int[]> data = sample(sources, rows, s, r);
            TrainingLoop.Summary trained = train(model, data, s, r, teacher, store.loop(r), progress.offset((long) r * s.stepsPerRound(), (long) s.rounds() * s.stepsPerRound()));
            tokens += (long) data.size() * s.training().seqLen();
            Map<String, Double> after = measure(model, sources, s.training());
            double gain = meanImprovement(before, after);
            logs.add(new RoundLog(r, named(sources, d), named(sources, w), namedInts(sources, rows), before, after, trained.losses(), gain,
                    (System.nanoTime() - rt) / 1e9, trained.events()));
            saveRound(model, store, r, logs);
            before = after;
            if (gain < s.minImprovement()) {
                stop = String.format("round %d improved validation perplexity by %.2f%% < %.2f%%", r, 100 * gain, 100 * s.minImprovement());
                break;
            }
        }
        return new Report(referencePpl, logs, stop, tokens, (System.nanoTime() - t0) / 1e9);
    }

    /** Perplexity of each source's validation split, in batches and lengths of the training settings. */
    public static Map<String, Double> measure(CausalLm model, List<Corpus> sources, TrainingSettings s) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Corpus c : sources) out.put(c.name(), Validation.ppl(model, c.validation(), s.seqLen(), s.batch()));
        return out;
    }

    private static List<int[]> sample(List<Corpus> sources, int[] rows, RecoverySettings s, int round) {
        List<int[]> data = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            Random rnd = new Random(s.seed() * 7919 + round * 131L + i);
            for (int k = 0; k < rows[i]; k++) data.add(Packing.row(sources.get(i).train(), s.training().seqLen() + 1, rnd));
        }
        java.util.Collections.shuffle(data, new Random(s.seed() + round));
        return data;
    }

    private static TrainingLoop.Summary train(CausalLm model, List<int[]> data, RecoverySettings s, int round, Teacher teacher,
                                      Checkpointer ckpt, Progress progress) {
        TrainingSettings t = s.training();
        LoraAdapters ad = LoraAdapters.insert(model, t.lora().withSeed(s.seed() + round));
        try (AdamW opt = new AdamW(ad.trainable(), t.adamw(), ad.store())) {
            int steps = data.size() / t.batch();
            LrSchedule sched = new LrSchedule(t.lr(), Math.min(s.warmupSteps(), Math.max(steps - 1, 0)), Math.max(1, steps), 0.1);
            TrainingLoop.Settings ts = new TrainingLoop.Settings(steps, sched, t.checkpointEvery(), s.seed() + round, 3,
                    Distillation.loss(t.distill(), teacher));
            BatchSource src = k -> List.of(TokenBatch.causal(data.subList((int) k * t.batch(), (int) (k + 1) * t.batch()).toArray(new int[0][])));
            return TrainingLoop.run(ad, opt, ts, src, TrainingLoop.NO_HOOK, progress, ckpt);
        } finally {
            ad.close();     // merges into the base weights
        }
    }

    static double meanImprovement(Map<String, Double> before, Map<String, Double> after) {
        double sum = 0;
        for (String k : before.keySet()) sum += (before.get(k) - after.get(k)) / before.get(k);
        return sum / before.size();
    }

    private static double[] uniform(int n) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, 1.0 / n);
        return w;
    }

    private static Map<String, Double> named(List<Corpus> sources, double[] v) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) m.put(sources.get(i).name(), v[i]);
        return m;
    }

    private static Map<String, Integer> namedInts(List<Corpus> sources, int[] v) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) m.put(sources.get(i).name(), v[i]);
        return m;
    }

    private static void saveRound(CausalLm model, RoundStore store, int round, List<RoundLog> logs) {
        store.rounds().save(new Checkpointer.State(round + 1, model.toHost(), Map.of("completed_rounds", round + 1, "logs", RoundLogCodec.encode(logs))));
    }

    private static int restoreRounds(CausalLm model, RoundStore store, List<RoundLog> logs) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        model.params().forEach((k, v) -> shapes.put(k, v.shape()));
        Optional<Checkpointer.State> st = store.rounds().latest(s -> s.meta().get("logs") == null ? "its metadata has no round logs"
                : Checkpointer.mismatch(s, shapes));
        if (st.isEmpty()) return 0;
        try (StepScope s = Engine.openScope(model.store())) {
            for (Map.Entry<String, Tensor> e : model.params().entrySet()) {
                HostTensor h = st.get().tensors().get(e.getKey());
                e.getValue().assign(h.data());
            }
        }
        logs.addAll(RoundLogCodec.decode(st.get().meta().get("logs")));
        return (int) st.get().step();
    }
}
