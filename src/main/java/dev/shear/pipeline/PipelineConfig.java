package dev.shear.pipeline;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.eval.ZeroShotTask;
import dev.shear.prune.PruneSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The `./shear run` config, bound onto the settings records. Its defaults are the bundled
 * {@code defaults.yaml}, the one place they are written down: `./shear prune` reads its option
 * defaults there too, and so does the Java API. A config file overrides them key by key; unknown keys
 * are errors that name the key, and the flat prune keys of older configs are still read.
 */
public record PipelineConfig(String model, String output, long seed, Prune prune, Recovery recovery, Evaluation evaluation, Spark spark) {
    static final String DEFAULTS = "defaults.yaml";
    /** Keys whose null means "not set here": the model (stories260K), the spec (the built-in one), and the spec's own budget. */
    private static final Set<String> NULLABLE = Set.of("model", "recovery.spec", "recovery.rounds", "recovery.steps_per_round",
            "recovery.checkpoint_every", "recovery.distill");

    public PipelineConfig {
        if (prune == null) throw new IllegalArgumentException("prune is missing");
        if (recovery == null) throw new IllegalArgumentException("recovery is missing");
        if (evaluation == null) throw new IllegalArgumentException("evaluation is missing");
        if (spark == null) throw new IllegalArgumentException("spark is missing");
        if (output == null || output.isBlank()) throw new IllegalArgumentException("output must name a folder");
    }

    /** The prune stage: the pruning settings and the text LHSPG trains on. */
    public record Prune(@JsonUnwrapped PruneSettings settings, PruneJob.DataKind data) {
        public Prune {
            Objects.requireNonNull(settings, "settings");
            if (data == null) throw new IllegalArgumentException("data is missing, expected dynamic, mixture or tinystories");
        }
    }

    /** Overrides of the recovery spec (null: the spec's own value). */
    public record Recovery(String spec, Integer rounds, Integer stepsPerRound, Integer checkpointEvery, dev.shear.train.DistillSettings distill) {
        public Recovery {
            if (rounds != null && rounds < 1) throw new IllegalArgumentException("rounds " + rounds + " must be >= 1");
            if (stepsPerRound != null && stepsPerRound < 0) throw new IllegalArgumentException("steps_per_round " + stepsPerRound + " must be >= 0");
            if (checkpointEvery != null && checkpointEvery < 0)
                throw new IllegalArgumentException("checkpoint_every " + checkpointEvery + " must be >= 0");
            if (spec != null && spec.isBlank()) throw new IllegalArgumentException("spec '' must name a file (or be null for the built-in spec)");
        }
    }

    /**
     * @param ppl       datasets for perplexity: tinystories (held-out lines), wikitext2, ptb
     * @param pplTokens WikiText-2 and PTB: the first N tokens, in llm-pruner windows of 128
     */
    public record Evaluation(List<String> ppl, int pplTokens, List<ZeroShotTask> zeroshotTasks, int zeroshotLimit) {
        public Evaluation {
            if (ppl == null || ppl.stream().anyMatch(java.util.Objects::isNull)) throw new IllegalArgumentException("ppl " + ppl + " must list dataset names");
            if (zeroshotTasks == null || zeroshotTasks.stream().anyMatch(java.util.Objects::isNull))
                throw new IllegalArgumentException("zeroshot_tasks " + zeroshotTasks + " must list task names");
            ppl = List.copyOf(ppl);
            zeroshotTasks = List.copyOf(zeroshotTasks);
            if (pplTokens < 1) throw new IllegalArgumentException("ppl_tokens " + pplTokens + " must be >= 1");
            if (zeroshotLimit < 0) throw new IllegalArgumentException("zeroshot_limit " + zeroshotLimit + " must be >= 0 (0: all items)");
        }
    }

    /** The recovery spec (the built-in one without recovery.spec) with this config's budget overrides applied. */
    public RecoverySpec recoverySpec() {
        Path specFile = recovery.spec() == null ? null : Path.of(recovery.spec());
        RecoverySpec spec = RecoverySpec.load(specFile);
        RecoverySpec.Pretrain p = spec.pretrain();
        RecoverySpec.Pretrain over = new RecoverySpec.Pretrain(p.sources(), p.minTokens(),
                recovery.rounds() == null ? p.rounds() : recovery.rounds(),
                recovery.stepsPerRound() == null ? p.stepsPerRound() : recovery.stepsPerRound(),
                p.batch(), p.seqLen(), p.lr(), p.warmupSteps(), p.tau(), p.floor(), p.minImprovement(), p.dynamic());
        return new RecoverySpec(over, spec.instruction(), spec.lora(),
                recovery.checkpointEvery() == null ? spec.checkpointEvery() : recovery.checkpointEvery(),
                recovery.distill() == null ? spec.distill() : recovery.distill());
    }

    /**
     * The cluster mode (docs/distributed.md).
     *
     * @param master a Spark master URL, or null to run everything in this process
     * @param conf   further Spark properties as key=value
     */
    public record Spark(String master, List<String> conf) {
        public Spark {
            conf = List.copyOf(conf == null ? List.of() : conf);
            for (String c : conf)
                if (c.indexOf('=') <= 0) throw new IllegalArgumentException("conf '" + c + "' should be key=value");
        }

        public boolean active() { return master != null && !master.isBlank(); }

        /** The properties as a map, in order. */
        public Map<String, String> properties() {
            Map<String, String> m = new java.util.LinkedHashMap<>();
            for (String c : conf) m.put(c.substring(0, c.indexOf('=')).strip(), c.substring(c.indexOf('=') + 1).strip());
            return m;
        }
    }

    /** The pruning settings of this run; their seeds are the run's. */
    public PruneSettings pruneSettings() { return prune.settings(); }

    public PipelineConfig withOutput(String out) { return new PipelineConfig(model, out, seed, prune, recovery, evaluation, spark); }

    public PipelineConfig withSpark(Spark s) { return new PipelineConfig(model, output, seed, prune, recovery, evaluation, s); }

    /** The run with another seed; the pruning run's and its adapters' seeds follow it, as they do from a config file. */
    public PipelineConfig withSeed(long s) {
        PruneSettings p = prune.settings();
        p = p.withSeed(s).withTraining(p.training().withLora(p.training().lora().withSeed(s)));
        return new PipelineConfig(model, output, s, new Prune(p, prune.data()), recovery, evaluation, spark);
    }

    /** Distillation from the original model in both pruning-time training and recovery. */
    public PipelineConfig withDistill(dev.shear.train.DistillSettings d) {
        PruneSettings s = prune.settings();
        return new PipelineConfig(model, output, seed, new Prune(s.withTraining(s.training().withDistill(d)), prune.data()),
                new Recovery(recovery.spec(), recovery.rounds(), recovery.stepsPerRound(), recovery.checkpointEvery(), d), evaluation, spark);
    }

    /** The bundled defaults. */
    public static PipelineConfig defaults() { return ConfigYaml.bind(withSeeds(defaultsTree()), PipelineConfig.class, DEFAULTS); }

    /** The bundled defaults with another seed, as `./shear prune --seed` and `./shear run` with a seed key give them. */
    public static PipelineConfig defaults(long seed) {
        ObjectNode tree = defaultsTree();
        tree.put("seed", seed);
        return ConfigYaml.bind(withSeeds(tree), PipelineConfig.class, DEFAULTS);
    }

    /** The bundled defaults as a tree, keyed as config files are. */
    public static ObjectNode defaultsTree() {
        try (InputStream in = PipelineConfig.class.getResourceAsStream(DEFAULTS)) {
            return (ObjectNode) ConfigYaml.read(in, DEFAULTS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The defaults, overridden by a config file (null: the defaults alone). */
    public static PipelineConfig load(Path file) {
        ObjectNode base = defaultsTree();
        if (file != null) {
            if (!Files.exists(file)) throw new IllegalArgumentException(file + ": config file not found");
            JsonNode user = ConfigYaml.read(file);
            if (user != null && !user.isNull()) {
                if (!user.isObject()) throw new IllegalArgumentException(file + ": expected a YAML mapping at the top");
                upgradeFlatPruneKeys((ObjectNode) user);
                ConfigYaml.requireKnownKeys(user, base, "", file.toString(), NULLABLE);
                ConfigYaml.merge(base, user);
            }
        }
        String name = String.valueOf(file == null ? DEFAULTS : file);
        PipelineConfig cfg = ConfigYaml.bind(withSeeds(base), PipelineConfig.class, name);
        for (String ds : cfg.evaluation().ppl()) {
            try {
                dev.shear.eval.Datasets.text(ds);                    // a known name or a file, named with the config's file and key
            } catch (IllegalArgumentException | dev.shear.io.ShearFormatException e) {
                throw new IllegalArgumentException(name + ": evaluation.ppl: " + e.getMessage());
            }
        }
        return cfg;
    }

    /** The top-level seed copied to the settings that carry one (the pruning run, its LoRA initialisation). */
    private static ObjectNode withSeeds(ObjectNode tree) {
        JsonNode seed = tree.get("seed");
        ObjectNode prune = (ObjectNode) tree.get("prune");
        prune.set("seed", seed);
        ((ObjectNode) prune.get("training").get("lora")).set("seed", seed);
        return tree;
    }

    /** Where the flat prune keys of configs written before the settings were grouped now live. */
    private static final Map<String, String> FLAT_PRUNE_KEYS = Map.ofEntries(
            Map.entry("warmup", "schedule.warmup"), Map.entry("periods", "schedule.periods"),
            Map.entry("period_length", "schedule.period_length"), Map.entry("lr_shape", "schedule.lr_shape"),
            Map.entry("lr", "training.lr"), Map.entry("batch", "training.batch"), Map.entry("seq_len", "training.seq_len"),
            Map.entry("checkpoint_every", "training.checkpoint_every"),
            Map.entry("kda_ratios", "kda.ratios"), Map.entry("gamma_u", "kda.gamma_u"), Map.entry("align_round", "align.rounding"));

    private static void upgradeFlatPruneKeys(ObjectNode user) {
        if (!(user.get("prune") instanceof ObjectNode prune)) return;
        if (prune.has("align") && !prune.get("align").isObject()) move(prune, "align", "align.multiple");
        for (Map.Entry<String, String> e : FLAT_PRUNE_KEYS.entrySet()) if (prune.has(e.getKey())) move(prune, e.getKey(), e.getValue());
    }

    private static void move(ObjectNode prune, String from, String to) {
        JsonNode v = prune.remove(from);
        String[] parts = to.split("\\.");
        ObjectNode at = prune.get(parts[0]) instanceof ObjectNode o ? o : prune.putObject(parts[0]);
        at.set(parts[1], v);
    }
}
