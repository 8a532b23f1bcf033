package dev.shear.graph;

/**
 * How a tensor's channels are numbered. FLAT: the last axis. HEADS: a (B, H, T, hd) tensor whose
 * channel h*hd + i is head h, dimension i, so head reshapes become plain index maps.
 */
record Layout(int heads, int headDim, int flatSize) {
    static Layout flat(long size) { return new Layout(0, 0, Math.toIntExact(size)); }

    static Layout heads(long heads, long headDim) {
        return new Layout(Math.toIntExact(heads), Math.toIntExact(headDim), Math.toIntExact(heads * headDim));
    }

    boolean isHeads() { return heads > 0; }

    int size() { return flatSize; }

    static Layout of(TensorInfo t, boolean heads) {
        if (heads && t.rank() == 4) return heads(t.dim(1), t.dim(3));
        return t.rank() == 0 ? flat(1) : flat(t.dim(-1));
    }
}
