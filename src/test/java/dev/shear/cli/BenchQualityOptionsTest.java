package dev.shear.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shear.prune.LhspgSchedule;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The converged protocol takes the LHSPG schedule options it is given and keeps its own schedule otherwise. */
class BenchQualityOptionsTest {
    private static LhspgSchedule schedule(String... args) {
        BenchQualityCommand c = new BenchQualityCommand();
        new CommandLine(c).parseArgs(args);
        return c.convergedProtocol().lhspg();
    }

    @Test void lhspgOptionsReachTheConvergedProtocol() {
        LhspgSchedule own = schedule();
        assertEquals(30, own.warmup());
        assertEquals(4, own.periods());
        assertEquals(10, own.periodLength());
        LhspgSchedule given = schedule("--periods", "8", "--period-length", "40");
        assertEquals(30, given.warmup());
        assertEquals(8, given.periods());
        assertEquals(40, given.periodLength());
        assertEquals(50, schedule("--warmup", "50").warmup());
    }

    @Test void anOptionOfTheOtherProtocolIsOneLineNotIgnored(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        String out = tmp.resolve("rows.jsonl").toString();
        DistillOptionsTest.oneLine("shear: --recovery-steps applies to --protocol short only",
                MainErrorsTest.run("bench", "quality", "--recovery-steps", "100", "--out", out));
        DistillOptionsTest.oneLine("shear: --budgets applies to --protocol short only",
                MainErrorsTest.run("bench", "quality", "--protocol", "converged", "--budgets", "a", "--out", out));
        DistillOptionsTest.oneLine("shear: --steps applies to --protocol converged only",
                MainErrorsTest.run("bench", "quality", "--protocol", "short", "--steps", "2200", "--out", out));
        DistillOptionsTest.oneLine("shear: --protocol 'long': expected converged or short",
                MainErrorsTest.run("bench", "quality", "--protocol", "long", "--out", out));
        org.junit.jupiter.api.Assertions.assertFalse(java.nio.file.Files.exists(tmp.resolve("rows.jsonl")), "no partial output");
    }
}
