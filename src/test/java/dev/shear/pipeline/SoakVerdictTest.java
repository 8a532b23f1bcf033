package dev.shear.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SoakVerdictTest {
    static long[] steps(int n) {
        long[] s = new long[n];
        for (int i = 0; i < n; i++) s[i] = 100L * (i + 1);
        return s;
    }

    @Test void exactLineGivesItsSlopeAndThirds() {
        long[] s = steps(30);
        double[] rss = new double[30];
        for (int i = 0; i < 30; i++) rss[i] = 500 + 0.01 * s[i];          // 10 MiB per 1000 steps
        SoakVerdict v = SoakVerdict.of(s, rss);
        assertEquals(10.0, v.slopeMibPer1000Steps(), 1e-9);
        assertEquals(500 + 0.01 * 550, v.firstThirdMib(), 1e-9);          // mean of steps 100..1000
        assertEquals(500 + 0.01 * 2550, v.lastThirdMib(), 1e-9);          // mean of steps 2100..3000
        assertEquals(29.0, v.trendMib(), 1e-9);
        assertEquals(20.0, v.lastThirdMib() - v.firstThirdMib(), 1e-9);
        assertFalse(v.flat(), "20 MiB of growth is over the 16 MiB tolerance");
    }

    @Test void noiseAndASingleSpikeStayFlat() {
        Random r = new Random(3);
        double[] rss = new double[30];
        for (int i = 0; i < 30; i++) rss[i] = 650 + 4 * r.nextGaussian();
        rss[15] += 120;                                                      // one transient peak mid-run
        SoakVerdict v = SoakVerdict.of(steps(30), rss);
        assertTrue(v.flat(), v.describe());
        assertTrue(v.describe().startsWith("RSS FLAT"), v.describe());
    }

    @Test void aLateStepUpIsGrowth() {
        double[] rss = new double[30];
        for (int i = 0; i < 30; i++) rss[i] = i < 20 ? 650 : 700;
        assertFalse(SoakVerdict.of(steps(30), rss).flat());
    }

    @Test void toleranceScalesWithTheModel() {
        double[] rss = new double[30];
        for (int i = 0; i < 30; i++) rss[i] = 10_000 + (i < 20 ? 0 : 150);   // +150 MiB on 10 GiB is within 2%
        SoakVerdict v = SoakVerdict.of(steps(30), rss);
        assertEquals(200.0, v.toleranceMib(), 1e-9);
        assertTrue(v.flat(), v.describe());
    }
}
