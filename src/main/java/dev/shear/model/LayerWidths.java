package dev.shear.model;

/** Widths of one decoder layer; they differ between layers after pruning. */
public record LayerWidths(int numHeads, int numKvHeads, int headDim, int intermediateSize) {
    public LayerWidths {
        if (headDim < 1) throw new IllegalArgumentException("headDim " + headDim + " must be positive");
        if (numHeads < 0 || intermediateSize < 0) throw new IllegalArgumentException("negative width: heads " + numHeads + ", mlp " + intermediateSize);
        if (numHeads > 0 && (numKvHeads < 1 || numHeads % numKvHeads != 0))
            throw new IllegalArgumentException("numHeads " + numHeads + " must be a multiple of numKvHeads " + numKvHeads);
        if (numHeads == 0 && numKvHeads != 0) throw new IllegalArgumentException("a layer with 0 query heads keeps 0 kv heads, not " + numKvHeads);
    }

    /** Query heads per kv head. */
    public int groupSize() { return numHeads == 0 ? 1 : numHeads / numKvHeads; }

    public int qDim() { return numHeads * headDim; }

    public int kvDim() { return numKvHeads * headDim; }

    public LayerWidths withIntermediateSize(int size) { return new LayerWidths(numHeads, numKvHeads, headDim, size); }

    public LayerWidths withHeads(int heads, int kvHeads) { return new LayerWidths(heads, kvHeads, headDim, intermediateSize); }
}
