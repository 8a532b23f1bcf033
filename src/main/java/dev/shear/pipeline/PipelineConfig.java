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

/**
 * The `./shear run` config, bound onto the settings records. Its defaults are the bundled
 * {@code defaults.yaml}, the one place they are written down: `./shear prune` reads its option
 * defaults there too, and so does the Java API. A config file overrides them key by key; unknown keys
 * are errors that name the key, and the flat prune keys of older configs are still read.
 */
public record PipelineConfig(String model, String output, long seed, Prune prune, Recovery recovery, Evaluation evaluation, Spark spark) {
    static final String DEFAULTS = "defaults.yaml";

    public PipelineConfig {
        Objects.requireNonNull(prune, "prune");
        Objects.requireNonNull(recovery, "recovery");
        Objects.requireNonNull(evaluation, "evaluation");
        Objects.requireNonNull(spark, "spark");
        if (output == null || output.isBlank()) throw new IllegalArgumentException("output must name a folder");
    }

    /** The prune stage: the pruning settings and the text LHSPG trains on. */
    public record Prune(@JsonUnwrapped PruneSettings settings, PruneJob.DataKind data) {}

    /** Overrides of the recovery spec (null: the spec's own value). */
    public record Recovery(String spec, Integer rounds, Integer stepsPerRound, Integer checkpointEvery) {}

    /**
     * @param ppl       datasets for perplexity: tinystories (held-out lines), wikitext2, ptb
     * @param pplTokens WikiText-2 and PTB: the first N tokens, in llm-pruner windows of 128
     */
    public record Evaluation(List<String> ppl, int pplTokens, List<ZeroShotTask> zeroshotTasks, int zeroshotLimit) {
        public Evaluation {
            ppl = List.copyOf(ppl);
            zeroshotTasks = List.copyOf(zeroshotTasks);
        }
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

    /** The bundled defaults. */
    public static PipelineConfig defaults() { return ConfigYaml.bind(withSeeds(defaultsTree()), PipelineConfig.class, DEFAULTS); }

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
            JsonNode user;
            try (InputStream in = Files.newInputStream(file)) {
                user = ConfigYaml.read(in, file.toString());
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
            }
            if (user != null && !user.isNull()) {
                if (!user.isObject()) throw new IllegalArgumentException(file + ": expected a YAML mapping at the top");
                upgradeFlatPruneKeys((ObjectNode) user);
                ConfigYaml.requireKnownKeys(user, base, "", file.toString());
                ConfigYaml.merge(base, user);
            }
        }
        return ConfigYaml.bind(withSeeds(base), PipelineConfig.class, String.valueOf(file == null ? DEFAULTS : file));
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
