package dev.shear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Distillation settings on the command line, in the pipeline config and in a recovery spec: bad values are one line naming where. */
class DistillOptionsTest {
    static void oneLine(String want, String[] r) {
        assertEquals("1", r[0]);
        assertEquals(want, r[1].strip());
    }

    @Test void badDistillOptionsAreOneLineBeforeAnyOutput(@TempDir Path tmp) {
        String out = tmp.resolve("o").toString();
        oneLine("shear: --distill distill: alpha 2.0 must be in [0, 1]", MainErrorsTest.run("prune", "--distill", "alpha=2", "--out", out));
        oneLine("shear: --distill distill: temperature 0.0 must be a finite number > 0", MainErrorsTest.run("prune", "--distill", "t=0", "--out", out));
        oneLine("shear: --distill distill: top_k 0 must be at least 1", MainErrorsTest.run("prune", "--distill", "k=0", "--out", out));
        oneLine("shear: --distill distill: unknown setting 'beta' (known: alpha, t, k)", MainErrorsTest.run("run", "--distill", "beta=1", "--out", out));
        oneLine("shear: --distill distill: alpha 'x' is not a number", MainErrorsTest.run("run", "--distill", "alpha=x", "--out", out));
        assertFalse(Files.exists(tmp.resolve("o")), "no partial output");
    }

    @Test void badDistillInConfigOrSpecNamesTheFile(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("c.yaml");
        Files.writeString(cfg, "prune: {training: {distill: {alpha: 1.5}}}\n");
        String[] r = MainErrorsTest.run("run", "--config", cfg.toString(), "--out", tmp.resolve("o").toString());
        assertEquals("1", r[0]);
        assertEquals(1, r[1].strip().lines().count(), r[1]);
        org.junit.jupiter.api.Assertions.assertTrue(r[1].contains(cfg.toString()) && r[1].contains("alpha 1.5 must be in [0, 1]"), r[1]);
        Path spec = tmp.resolve("spec.yaml");
        try (var in = dev.shear.pipeline.RecoverySpec.class.getResourceAsStream("recovery-default.yaml")) {
            Files.writeString(spec, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8) + "\ndistill: {temperature: -1}\n");
        }
        r = MainErrorsTest.run("recover", "--model", tmp.toString(), "--spec", spec.toString(), "--out", tmp.resolve("r").toString());
        assertEquals("1", r[0]);
        assertEquals(1, r[1].strip().lines().count(), r[1]);
        org.junit.jupiter.api.Assertions.assertTrue(r[1].contains(spec.toString()) && r[1].contains("temperature -1.0"), r[1]);
        assertFalse(Files.exists(tmp.resolve("o")) || Files.exists(tmp.resolve("r")), "no partial output");
    }

    /** Keys left out of a `distill:` mapping mean what they mean on the command line: alpha 0.5, T 1, the whole distribution. */
    @Test void partialMappingsTakeTheCommandLineDefaults(@TempDir Path tmp) throws Exception {
        Path spec = tmp.resolve("spec.yaml");
        try (var in = dev.shear.pipeline.RecoverySpec.class.getResourceAsStream("recovery-default.yaml")) {
            Files.writeString(spec, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8) + "\ndistill: {top_k: 8}\n");
        }
        assertEquals(new dev.shear.train.DistillSettings(0.5, 1.0, 8), dev.shear.pipeline.RecoverySpec.load(spec).distill());
        assertEquals(dev.shear.train.DistillSettings.parse("k=8"), dev.shear.pipeline.RecoverySpec.load(spec).distill());
        Path cfg = tmp.resolve("c.yaml");
        Files.writeString(cfg, "recovery: {distill: {temperature: 2}}\n");
        assertEquals(new dev.shear.train.DistillSettings(0.5, 2.0, null), dev.shear.pipeline.PipelineConfig.load(cfg).recovery().distill());
        Files.writeString(cfg, "prune: {training: {distill: {alpha: 0.25}}}\n");
        assertEquals(new dev.shear.train.DistillSettings(0.25, 1.0, null), dev.shear.pipeline.PipelineConfig.load(cfg).prune().settings().training().distill());
    }
}
