package dev.shear.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The slow-step detector on injected step times (no clocks involved). */
class SlowStepsTest {
    /** Indices of the steps flagged when feeding these times. */
    static List<Integer> flagged(SlowSteps d, double... secs) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < secs.length; i++) if (d.record(secs[i], Double.NaN).isPresent()) out.add(i);
        return out;
    }

    @Test void flagsAStepMoreThanTenTimesTheMedianOfThoseBefore() {
        // median of the first 6 is 0.2; 2.01 > 10 x 0.2, 1.99 is not
        assertEquals(List.of(7), flagged(new SlowSteps(), 0.2, 0.1, 0.3, 0.2, 0.25, 0.15, 1.99, 2.01, 0.2));
    }

    @Test void exactlyTenTimesIsNotFlagged() {
        assertEquals(List.of(), flagged(new SlowSteps(), 1, 1, 1, 1, 1, 10));
        assertEquals(List.of(5), flagged(new SlowSteps(), 1, 1, 1, 1, 1, Math.nextUp(10.0)));
    }

    @Test void theFirstStepsAreNotJudged() {
        // warm-up: a slow first step and a fast second are not compared with anything yet
        assertEquals(List.of(), flagged(new SlowSteps(), 0.01, 5, 5, 5, 5));
    }

    @Test void aLastingSlowdownIsReportedUntilItBecomesTheMedian() {
        // 10 normal steps at 0.1 s, then subnormal numbers make every step 3 s: flagged while 0.1 s is still the median
        double[] t = new double[30];
        Arrays.fill(t, 0, 10, 0.1);
        Arrays.fill(t, 10, 30, 3.0);
        SlowSteps d = new SlowSteps();
        assertEquals(List.of(10, 11, 12, 13, 14, 15, 16, 17, 18, 19), flagged(d, t));
        assertEquals(10, d.flagged());
        assertEquals(3.0, d.median());
    }

    @Test void medianMatchesSortingAtEveryStep() {
        Random r = new Random(7);
        SlowSteps d = new SlowSteps();
        List<Double> seen = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            double x = Math.exp(r.nextGaussian());
            d.record(x, Double.NaN);
            seen.add(x);
            double[] s = seen.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double want = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            assertEquals(want, d.median(), 0.0, "after " + (i + 1) + " steps");
        }
    }

    @Test void warningNamesTheRatio() {
        SlowSteps d = new SlowSteps();
        for (int i = 0; i < 5; i++) d.record(0.5, Double.NaN);
        Optional<String> w = d.record(6.0, Double.NaN);
        assertTrue(w.isPresent());
        assertEquals("step took 6.000 s, 12.0x the median 0.500 s (subnormal numbers, or a busy machine?)", w.get());
        assertFalse(d.record(0.5, Double.NaN).isPresent());
    }

    @Test void cpuTimeTellsSubnormalsFromABusyMachine() {
        SlowSteps d = new SlowSteps();
        for (int i = 0; i < 5; i++) d.record(0.2, 0.4);                   // two threads busy for the whole step
        // the step's CPU time grew with its wall time: the arithmetic itself got slower
        assertEquals("step took 3.000 s, 15.0x the median 0.200 s (CPU time 5.600 s, 14.0x its median: "
                + "compute-bound, subnormal numbers in activations or weights?)", d.record(3.0, 5.6).orElseThrow());
        // wall time grew but CPU time did not: the process was waiting for the cores
        assertEquals("step took 2.500 s, 12.5x the median 0.200 s (CPU time 0.500 s, 1.3x its median: "
                + "the cores were busy with other work)", d.record(2.5, 0.5).orElseThrow());
        assertEquals(2, d.flagged());
    }

    @Test void rejectsNonsenseSettings() {
        assertThrows(IllegalArgumentException.class, () -> new SlowSteps(1.0, 5));
        assertThrows(IllegalArgumentException.class, () -> new SlowSteps(10, 0));
    }
}
