package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.shear.engine.HostTensor;
import dev.shear.model.RopePermutation;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RopePermutationTest {
    @Test void halfToAdjacentUndoesAdjacentToHalf() {
        Random r = new Random(1);
        float[] data = new float[6 * 8 * 5];
        for (int i = 0; i < data.length; i++) data[i] = r.nextFloat();
        HostTensor w = HostTensor.of(data, 48, 5);
        HostTensor half = RopePermutation.adjacentToHalf(w, 6, 8);
        assertFalse(java.util.Arrays.equals(data, half.data()));
        assertArrayEquals(data, RopePermutation.halfToAdjacent(half, 6, 8).data());
        assertArrayEquals(data, RopePermutation.adjacentToHalf(RopePermutation.halfToAdjacent(w, 6, 8), 6, 8).data());
    }

    @Test void smallExampleMatchesHuggingFaceViewTranspose() {
        // 2 heads of dim 4, one input column: per head the rows (0,1,2,3) become (0,2,1,3)
        HostTensor w = HostTensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 8, 1);
        assertArrayEquals(new float[] {0, 2, 1, 3, 4, 6, 5, 7}, RopePermutation.adjacentToHalf(w, 2, 4).data());
        HostTensor bias = HostTensor.of(new float[] {10, 11, 12, 13, 14, 15, 16, 17}, 8);
        assertArrayEquals(new float[] {10, 12, 14, 16, 11, 13, 15, 17}, RopePermutation.adjacentToHalf(
                HostTensor.of(bias.data(), 8), 1, 8).data());
    }

    @Test void matchesTheViewTransposeReshapeFormula() {
        int heads = 3, hd = 6, in = 2;
        float[] data = new float[heads * hd * in];
        for (int i = 0; i < data.length; i++) data[i] = i;
        float[] half = RopePermutation.adjacentToHalf(HostTensor.of(data, heads * hd, in), heads, hd).data();
        // w.view(heads, hd/2, 2, in).transpose(1, 2): element [h, j, i, c] = w[h, i, j, c]
        int at = 0;
        for (int h = 0; h < heads; h++)
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < hd / 2; i++)
                    for (int c = 0; c < in; c++) assertEquals(data[((h * hd) + i * 2 + j) * in + c], half[at++]);
    }

    @Test void rejectsMismatchedShapes() {
        HostTensor w = HostTensor.of(new float[10], 10);
        assertThrows(IllegalArgumentException.class, () -> RopePermutation.adjacentToHalf(w, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> RopePermutation.adjacentToHalf(HostTensor.of(new float[6], 6), 2, 3));
    }
}
