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
}
