package dev.shear.data;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Builds fixed-length training rows from paragraphs: a random window of a long one, or several short ones packed. */
public final class Packing {
    private Packing() {}

    /** A row of rowLen tokens drawn from the paragraphs with the given generator. */
    public static int[] row(List<int[]> paragraphs, int rowLen, Random rnd) {
        int[] row = new int[rowLen];
        int filled = 0;
        while (filled < rowLen) {
            int[] p = paragraphs.get(rnd.nextInt(paragraphs.size()));
            int take = Math.min(p.length, rowLen - filled);
            int offset = filled == 0 && p.length > rowLen ? rnd.nextInt(p.length - rowLen + 1) : 0;
            System.arraycopy(p, offset, row, filled, take);
            filled += take;
        }
        return row;
    }

    /** Splits total rows across sources by weight (largest remainder), so counts sum exactly. */
    public static int[] allocate(double[] weights, int total) {
        int[] counts = new int[weights.length];
        double[] rem = new double[weights.length];
        int used = 0;
        for (int i = 0; i < weights.length; i++) {
            double exact = weights[i] * total;
            counts[i] = (int) Math.floor(exact);
            rem[i] = exact - counts[i];
            used += counts[i];
        }
        Integer[] order = new Integer[weights.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(rem[b], rem[a]));
        for (int k = 0; used < total; k++, used++) counts[order[k % order.length]]++;
        return counts;
    }
}
