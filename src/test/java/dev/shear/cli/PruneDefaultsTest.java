package dev.shear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shear.pipeline.PipelineConfig;
import dev.shear.prune.Method;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `./shear prune` without options prunes with exactly the settings `./shear run` starts from. */
class PruneDefaultsTest {
    private static PruneCommand parse(String... args) {
        PruneCommand cmd = new PruneCommand();
        new CommandLine(cmd).setDefaultValueProvider(new ConfigDefaults()).parseArgs(args);
        return cmd;
    }

    @Test void optionDefaultsAreTheBundledDefaults() {
        assertEquals(PipelineConfig.defaults().pruneSettings(), parse("--out", "x").settings());
    }

    @Test void optionsOverrideTheirKeyOnly() {
        var s = parse("--out", "x", "--method", "flap", "--warmup", "3", "--kda-ratios", "none", "--seed", "4").settings();
        var d = PipelineConfig.defaults().pruneSettings();
        assertEquals(Method.FLAP, s.method());
        assertEquals(d.schedule().withWarmup(3), s.schedule());
        assertEquals(0, s.kda().ratios().size());
        assertEquals(4, s.seed());
        assertEquals(4, s.training().lora().seed());
        assertEquals(d.training().withLora(d.training().lora().withSeed(4)), s.training());
    }
}
