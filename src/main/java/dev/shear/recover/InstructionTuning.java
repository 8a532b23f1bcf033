package dev.shear.recover;

import dev.shear.data.AlpacaTemplate;
import dev.shear.data.TokenBatch;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Ops;
import dev.shear.engine.Progress;
import dev.shear.engine.StepScope;
import dev.shear.io.Tokenizer;
import dev.shear.lora.LoraAdapters;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import dev.shear.train.AdamW;
import dev.shear.train.AdamWConfig;
import dev.shear.train.Checkpointer;
import dev.shear.train.LrSchedule;
import dev.shear.train.TrainingLoop;
import dev.shear.train.TrainingSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Instruction stage: LoRA on Alpaca with loss on response tokens only, early-stopped on a
 * validation split; the adapter with the best validation loss is the one merged.
 */
public final class InstructionTuning {
    private InstructionTuning() {}

    /** The stage's knobs; the built-in recovery spec's instruction section holds their defaults. */
    public record Settings(int steps, int batch, int maxLen, double lr, int warmupSteps, int evalEvery, int patience,
                           int valExamples, LoraConfig lora, long seed) {
        public Settings {
            if (steps < 0) throw new IllegalArgumentException("steps " + steps + " must be >= 0");
            if (batch < 1 || batch > TrainingSettings.MAX_BATCH) throw new IllegalArgumentException("batch " + batch + " must be in 1.." + TrainingSettings.MAX_BATCH);
            if (maxLen < 2 || maxLen > TrainingSettings.MAX_SEQ_LEN)
                throw new IllegalArgumentException("max_len " + maxLen + " must be in 2.." + TrainingSettings.MAX_SEQ_LEN);
            if (!(lr > 0 && Double.isFinite(lr))) throw new IllegalArgumentException("lr " + lr + " must be a positive number");
            if (warmupSteps < 0) throw new IllegalArgumentException("warmup_steps " + warmupSteps + " must be >= 0");
            if (evalEvery < 1) throw new IllegalArgumentException("eval_every " + evalEvery + " must be >= 1");
            if (patience < 0) throw new IllegalArgumentException("patience " + patience + " must be >= 0");
            if (valExamples < 1) throw new IllegalArgumentException("val_examples " + valExamples + " must be >= 1");
            java.util.Objects.requireNonNull(lora, "lora");
        }

        /** A budget of {@code n} steps of {@code rows} examples of at most {@code len} tokens at peak rate {@code rate}. */
        public Settings withBudget(int n, int rows, int len, double rate) {
            return new Settings(n, rows, len, rate, warmupSteps, evalEvery, patience, valExamples, lora, seed);
        }

        public Settings withSchedule(int warmup, int every) {
            return new Settings(steps, batch, maxLen, lr, warmup, every, patience, valExamples, lora, seed);
        }
    }

    public record Report(List<Double> losses, List<Double> valLosses, long bestStep, boolean stoppedEarly, double seconds,
                         List<TrainingLoop.Event> events) {}

    public static Report run(CausalLm model, Tokenizer tok, List<AlpacaTemplate.Example> examples, Settings s,
                             Checkpointer ckpt, Progress progress) {
        long t0 = System.nanoTime();
        List<AlpacaTemplate.Encoded> all = new ArrayList<>();
        for (AlpacaTemplate.Example e : examples) {
            AlpacaTemplate.Encoded enc = AlpacaTemplate.encode(e, tok);
            if (enc.responseTokens() > 0 && enc.tokens().length - enc.responseTokens() < s.maxLen()) all.add(enc);
        }
        java.util.Collections.shuffle(all, new Random(s.seed()));
        if (all.size() <= s.valExamples())
            throw new IllegalArgumentException("instruction data: " + all.size() + " usable examples, need more than " + s.valExamples());
        List<AlpacaTemplate.Encoded> val = all.subList(0, s.valExamples()), train = all.subList(s.valExamples(), all.size());
        LoraAdapters ad = LoraAdapters.insert(model, s.lora());
        EarlyStop stop = new EarlyStop(model, ad, val, s);
        try (AdamW opt = new AdamW(ad.trainable(), AdamWConfig.defaults(), ad.store())) {
            TrainingLoop.Settings ts = new TrainingLoop.Settings(s.steps(), new LrSchedule(s.lr(), s.warmupSteps(), s.steps(), 0.1), 0, s.seed(), 3);
            TrainingLoop.Summary sum = TrainingLoop.run(ad, opt, ts, k -> List.of(batchAt(train, k, s)), stop, progress, ckpt);
            ad.load(stop.bestState);
            ad.close();
            return new Report(sum.losses(), stop.valLosses, stop.bestStep, stop.stopped, (System.nanoTime() - t0) / 1e9, sum.events());
        }
    }

    /** Evaluates every evalEvery steps, remembers the best adapter, stops after patience evaluations without gain. */
    private static final class EarlyStop implements TrainingLoop.StepHook {
        final CausalLm model;
        final LoraAdapters ad;
        final List<AlpacaTemplate.Encoded> val;
        final Settings s;
        final List<Double> valLosses = new ArrayList<>();
        double best;
        long bestStep;
        int sinceBest;
        boolean stopped;
        Map<String, HostTensor> bestState;

        EarlyStop(CausalLm model, LoraAdapters ad, List<AlpacaTemplate.Encoded> val, Settings s) {
            this.model = model;
            this.ad = ad;
            this.val = val;
            this.s = s;
            this.best = valLoss(model, val, s);
            this.bestState = ad.toHost();
        }

        @Override public boolean afterStep(long k) {
            // the last step is always measured, or training after the last evaluation would be discarded
            if ((k + 1) % Math.max(1, s.evalEvery()) != 0 && k + 1 != s.steps()) return true;
            double vl = valLoss(model, val, s);
            valLosses.add(vl);
            if (vl < best) {
                best = vl;
                bestStep = k + 1;
                bestState = ad.toHost();
                sinceBest = 0;
                return true;
            }
            stopped = ++sinceBest >= s.patience();
            return !stopped;
        }
    }

    private static TokenBatch batchAt(List<AlpacaTemplate.Encoded> train, long step, Settings s) {
        Random rnd = new Random(s.seed() * 31 + step);
        List<AlpacaTemplate.Encoded> pick = new ArrayList<>();
        for (int i = 0; i < s.batch(); i++) pick.add(train.get(rnd.nextInt(train.size())));
        return AlpacaTemplate.batch(pick, s.maxLen());
    }

    /** Mean NLL over response tokens of the validation examples. */
    static double valLoss(CausalLm model, List<AlpacaTemplate.Encoded> val, Settings s) {
        double sum = 0, n = 0;
        for (int i = 0; i < val.size(); i += s.batch()) {
            TokenBatch b = AlpacaTemplate.batch(val.subList(i, Math.min(val.size(), i + s.batch())), s.maxLen());
            try (StepScope sc = Engine.openScope(model.store())) {
                int bs = b.inputs().length, t = b.inputs()[0].length;
                float[] v = Ops.tokenNll(model.forward(sc.tokens(b.inputs())), sc.tokens(b.targets())).toFloats();   // (B*T)
                for (int r = 0; r < bs; r++)
                    for (int j = 0; j < t; j++) { sum += v[r * t + j] * b.weights()[r][j]; n += b.weights()[r][j]; }
            }
        }
        return sum / Math.max(1, n);
    }
}
