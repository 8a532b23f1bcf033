package dev.shear.model;

import dev.shear.engine.HostTensor;
import java.util.Arrays;

/**
 * The row permutation of q/k projections between the two rotary layouts. Within each head,
 * ADJACENT row {@code 2i + j} (j in {0, 1}) is HALF row {@code j * headDim/2 + i}: Hugging Face's
 * conversion {@code w.view(nHeads, hd/2, 2, in).transpose(1, 2).reshape(out, in)}.
 * Works on weights {@code [nHeads*headDim, in]} and biases {@code [nHeads*headDim]}.
 */
public final class RopePermutation {
    private RopePermutation() {}

    /** llama2.c / Meta layout to Hugging Face layout. */
    public static HostTensor adjacentToHalf(HostTensor w, int nHeads, int headDim) {
        return permute(w, nHeads, headDim, true);
    }

    /** Hugging Face layout to llama2.c / Meta layout. */
    public static HostTensor halfToAdjacent(HostTensor w, int nHeads, int headDim) {
        return permute(w, nHeads, headDim, false);
    }

    /** HALF row index of ADJACENT row {@code row}. */
    public static int halfRowOf(int row, int headDim) {
        int head = row / headDim, r = row % headDim;
        return head * headDim + (r % 2) * (headDim / 2) + r / 2;
    }

    private static HostTensor permute(HostTensor w, int nHeads, int headDim, boolean toHalf) {
        long[] shape = w.shape();
        if (headDim < 2 || headDim % 2 != 0)
            throw new IllegalArgumentException("rope permutation: headDim " + headDim + " must be even and positive");
        if (shape.length < 1 || shape.length > 2 || shape[0] != (long) nHeads * headDim)
            throw new IllegalArgumentException("rope permutation: tensor " + Arrays.toString(shape)
                    + " does not fit, expected [" + (long) nHeads * headDim + "(, in)]");
        int rows = (int) shape[0], cols = shape.length == 2 ? (int) shape[1] : 1;
        float[] src = w.data(), dst = new float[src.length];
        for (int adj = 0; adj < rows; adj++) {
            int half = halfRowOf(adj, headDim);
            int from = toHalf ? adj : half, to = toHalf ? half : adj;
            System.arraycopy(src, from * cols, dst, to * cols, cols);
        }
        return new HostTensor(shape, dst);
    }
}
