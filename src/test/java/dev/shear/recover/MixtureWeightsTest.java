package dev.shear.recover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.data.Packing;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MixtureWeightsTest {
    @Test void moreDegradedSourceGetsLargerShareAndNoneFallsUnderFloor() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + rnd.nextInt(5);
            double[] d = new double[n];
            for (int i = 0; i < n; i++) d[i] = rnd.nextDouble() * 2 - 0.2;
            double floor = rnd.nextDouble() / n;
            double[] w = MixtureWeights.compute(d, 0.05, floor);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += w[i];
                assertTrue(w[i] >= floor - 1e-12, "share " + w[i] + " under floor " + floor);
                for (int j = 0; j < n; j++)
                    if (Math.max(d[i], 0.05) > Math.max(d[j], 0.05)) assertTrue(w[i] > w[j], "more degraded source got less");
            }
            assertEquals(1.0, sum, 1e-12);
        }
    }

    @Test void sharesAreProportionalAboveTheClamp() {
        double[] w = MixtureWeights.compute(new double[] {0.3, 0.1, 0.0}, 0.1, 0.0);
        assertEquals(0.6, w[0], 1e-12);          // 0.3 / (0.3 + 0.1 + 0.1)
        assertEquals(0.2, w[1], 1e-12);
        assertEquals(0.2, w[2], 1e-12);          // clamped up to tau
    }

    @Test void allocationSumsExactly() {
        int[] c = Packing.allocate(new double[] {0.5, 0.3, 0.2}, 7);
        assertEquals(7, c[0] + c[1] + c[2]);
        assertTrue(c[0] >= c[1] && c[1] >= c[2]);
    }
}
