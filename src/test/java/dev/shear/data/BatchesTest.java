package dev.shear.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchesTest {
    /** A source whose every token is its own id, so a row tells which source it came from. */
    private static Corpus source(int id) {
        int[] p = new int[40];
        java.util.Arrays.fill(p, id);
        return new Corpus("s" + id, List.of(p, p.clone()), List.of(), 0);
    }

    private static int[] counts(BatchSource src, int steps) {
        int[] n = new int[3];
        for (int k = 0; k < steps; k++)
            for (TokenBatch b : src.batches(k)) for (int[] row : b.inputs()) n[row[0]]++;
        return n;
    }

    @Test void weightedDrawsFollowTheCurrentWeights() {
        List<Corpus> sources = List.of(source(0), source(1), source(2));
        Mixture mixture = new Mixture(sources);
        mixture.setWeights(List.of(0.0, 1.0, 0.0));
        BatchSource src = mixture.batches(8, 16, 3);
        assertArrayEquals(new int[] {0, 800, 0}, counts(src, 100));
        mixture.setWeights(List.of(0.5, 0.0, 0.5));
        int[] n = counts(src, 100);
        assertEquals(0, n[1]);
        assertTrue(Math.abs(n[0] - 400) < 60 && Math.abs(n[2] - 400) < 60, "about half each: " + java.util.Arrays.toString(n));
        assertArrayEquals(src.batches(7).get(0).inputs(), src.batches(7).get(0).inputs(), "a step's rows depend only on seed, step and weights");
    }
}
