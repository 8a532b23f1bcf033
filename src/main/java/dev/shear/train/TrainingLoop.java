package dev.shear.train;

import dev.shear.data.BatchSource;
import dev.shear.data.TokenBatch;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.Progress;
import dev.shear.engine.StepScope;
import dev.shear.engine.Tensor;
import dev.shear.lora.LoraAdapters;
import dev.shear.model.CausalLm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A resumable LoRA training run. Step k's data and dropout depend only on (seed, k), and the
 * checkpoint holds adapters, optimizer moments and the base weights, so a resumed run equals an
 * uninterrupted one. Non-finite steps are skipped; repeated failures roll back and halve the lr.
 * Skips, rollbacks and steps 10x slower than the median (subnormal numbers) are recorded as events,
 * which checkpoints carry so a resumed run still reports them.
 */
public final class TrainingLoop {
    private TrainingLoop() {}

    /**
     * @param maxBadSteps consecutive non-finite steps before rolling back to the last checkpoint
     */
    /** @param loss what each step minimises: language modelling, or distillation from a teacher */
    public record Settings(int steps, LrSchedule schedule, int checkpointEvery, long seed, int maxBadSteps, TrainLoss loss) {
        public Settings {
            if (steps < 0) throw new IllegalArgumentException("steps " + steps + " must be >= 0");
            if (checkpointEvery < 0) throw new IllegalArgumentException("checkpoint interval " + checkpointEvery + " must be >= 0");
            java.util.Objects.requireNonNull(loss, "loss");
        }

        /** Language-modelling loss. */
        public Settings(int steps, LrSchedule schedule, int checkpointEvery, long seed, int maxBadSteps) {
            this(steps, schedule, checkpointEvery, seed, maxBadSteps, TrainLoss.CROSS_ENTROPY);
        }
    }

    /** Runs after each optimizer step, inside no gradient tape (LHSPG's projections hook in here). */
    public interface StepHook {
        /** @return false to stop training after this step (early stopping) */
        boolean afterStep(long step);

        /** Extra state the hook needs to resume. */
        default Map<String, Object> state() { return Map.of(); }

        default void restore(Map<String, Object> state) {}

        /** Tensors the hook needs to resume (saved under "hook/" names). */
        default Map<String, HostTensor> tensors() { return Map.of(); }

        default void restoreTensors(Map<String, HostTensor> tensors) {}
    }

    /** A hook that does nothing and never stops the run. */
    public static final StepHook NO_HOOK = k -> true;

    /** Kinds: "nonfinite" (step skipped), "rollback", "slow" (possible subnormal slowdown), "stop". */
    public record Event(long step, String kind, String detail) {}

    public record Summary(List<Double> losses, long tokens, double seconds, List<Event> events, long resumedFrom) {}

    public static Summary run(LoraAdapters ad, AdamW opt, Settings s, BatchSource data, StepHook hook,
                              Progress progress, Checkpointer ckpt) {
        List<Double> losses = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        long start = resume(ad, opt, hook, ckpt, losses, events);
        double lrScale = 1.0;
        int bad = 0;
        SlowSteps slow = new SlowSteps();
        long tokens = 0, t0 = System.nanoTime();
        for (long k = start; k < s.steps(); k++) {
            Engine.seed(s.seed() * 1_000_003L + k);                 // dropout of step k is fixed by k
            List<TokenBatch> batches = data.batches(k);
            long ts = System.nanoTime(), cs = processCpuNanos();
            TrainStep.Result r = TrainStep.run(ad, opt, batches, s.schedule().at(k) * lrScale, s.loss(), k);
            final long step = k;
            slow.record((System.nanoTime() - ts) / 1e9, cs < 0 ? Double.NaN : (processCpuNanos() - cs) / 1e9)
                    .ifPresent(w -> events.add(new Event(step, "slow", w)));
            tokens += r.tokens();
            if (!r.applied() || !Double.isFinite(r.gradNorm())) {
                events.add(new Event(k, "nonfinite", (Double.isFinite(r.loss()) ? "gradient norm " + r.gradNorm() + " (loss " + r.loss() + ")"
                        : "loss " + r.loss()) + ", step skipped"));
                if (++bad >= s.maxBadSteps()) {
                    long back = rollback(ad, opt, hook, ckpt, losses);
                    lrScale /= 2;
                    events.add(new Event(k, "rollback", "to step " + back + ", lr scale " + lrScale));
                    if (lrScale < 1.0 / 16) throw new IllegalStateException("training diverged: non-finite loss persists after 4 rollbacks at step " + k);
                    k = back - 1;
                    bad = 0;
                }
                continue;
            }
            bad = 0;
            boolean go = hook.afterStep(k);
            losses.add(r.loss());
            progress.trained(k + 1, s.steps(), r.loss(), r.tokens());
            if (s.checkpointEvery() > 0 && (k + 1) % s.checkpointEvery() == 0) save(ad, opt, hook, ckpt, k + 1, losses, events);
            if (!go) {
                events.add(new Event(k, "stop", "stopped by hook"));
                break;
            }
        }
        return new Summary(losses, tokens, (System.nanoTime() - t0) / 1e9, events, start);
    }

    /** CPU time of the whole process (libtorch's native threads included), -1 where the JVM cannot tell. */
    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    @SuppressWarnings("unchecked")
    private static long resume(LoraAdapters ad, AdamW opt, StepHook hook, Checkpointer ckpt, List<Double> losses, List<Event> events) {
        Optional<Checkpointer.State> st = ckpt.latest(s -> problem(ad, opt, s));
        if (st.isEmpty()) return 0;
        restore(ad, opt, hook, st.get(), losses);
        for (Object o : (List<Object>) st.get().meta().getOrDefault("events", List.of())) {
            Map<String, Object> e = (Map<String, Object>) o;
            events.add(new Event(((Number) e.get("step")).longValue(), (String) e.get("kind"), (String) e.get("detail")));
        }
        return st.get().step();
    }

    private static long rollback(LoraAdapters ad, AdamW opt, StepHook hook, Checkpointer ckpt, List<Double> losses) {
        Optional<Checkpointer.State> st = ckpt.latest(s -> problem(ad, opt, s));
        if (st.isEmpty()) throw new IllegalStateException("training diverged (non-finite loss) and there is no checkpoint to roll back to");
        restore(ad, opt, hook, st.get(), losses);
        return st.get().step();
    }

    /**
     * Why a state cannot continue this loop, or null: every adapter, optimizer moment and base weight
     * in this run's shapes, finite, and the optimizer's step count. Checked before anything is assigned.
     */
    private static String problem(LoraAdapters ad, AdamW opt, Checkpointer.State st) {
        if (!(st.meta().get("optimizer_steps") instanceof Number n) || n.longValue() < 0) return "its metadata has no optimizer step count";
        if (st.step() < 0) return "step " + st.step() + " is negative";
        Map<String, long[]> expected = new LinkedHashMap<>(ad.shapes());
        expected.putAll(opt.stateShapes());
        for (Map.Entry<String, Tensor> e : ad.model().params().entrySet()) expected.put("base/" + e.getKey(), e.getValue().shape());
        return Checkpointer.mismatch(st, expected);
    }

    @SuppressWarnings("unchecked")
    private static void restore(LoraAdapters ad, AdamW opt, StepHook hook, Checkpointer.State st, List<Double> losses) {
        Map<String, HostTensor> t = st.tensors();
        ad.load(t);
        opt.loadState(t, ((Number) st.meta().get("optimizer_steps")).longValue());
        CausalLm model = ad.model();
        try (StepScope s = Engine.openScope(model.store())) {
            for (Map.Entry<String, Tensor> e : model.params().entrySet()) e.getValue().assign(t.get("base/" + e.getKey()).data());
        }
        hook.restore((Map<String, Object>) st.meta().getOrDefault("hook", Map.of()));
        Map<String, HostTensor> hookTensors = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : t.entrySet())
            if (e.getKey().startsWith("hook/")) hookTensors.put(e.getKey().substring(5), e.getValue());
        hook.restoreTensors(hookTensors);
        losses.clear();
        for (Object o : (List<Object>) st.meta().getOrDefault("losses", List.of())) losses.add(((Number) o).doubleValue());
    }

    private static void save(LoraAdapters ad, AdamW opt, StepHook hook, Checkpointer ckpt, long step, List<Double> losses,
                             List<Event> events) {
        Map<String, HostTensor> t = new LinkedHashMap<>(ad.toHost());
        t.putAll(opt.stateToHost());
        for (Map.Entry<String, HostTensor> e : ad.model().toHost().entrySet()) t.put("base/" + e.getKey(), e.getValue());
        for (Map.Entry<String, HostTensor> e : hook.tensors().entrySet()) t.put("hook/" + e.getKey(), e.getValue());
        Map<String, Object> meta = new HashMap<>();
        meta.put("optimizer_steps", opt.steps());
        meta.put("hook", hook.state());
        meta.put("losses", new ArrayList<>(losses));
        meta.put("events", events.stream().map(e -> Map.<String, Object>of("step", e.step(), "kind", e.kind(), "detail", e.detail())).toList());
        ckpt.save(new Checkpointer.State(step, t, meta));
    }
}
