package dev.shear.io;

/**
 * Tensor storage types Shear reads and writes: floats, and the block-quantized types of
 * {@link BlockFormat}. Other ggml types are refused by id.
 */
public enum GgmlType {
    F32(0, null), F16(1, null), Q4_0(2, BlockQ4_0.INSTANCE), Q5_0(6, BlockQ5_0.INSTANCE), Q8_0(8, BlockQ8_0.INSTANCE),
    Q4_K(12, BlockQ4_K.INSTANCE), Q6_K(14, BlockQ6_K.INSTANCE), BF16(30, null);

    final int id;
    /** Null for the float types. */
    final BlockFormat format;

    GgmlType(int id, BlockFormat format) {
        this.id = id;
        this.format = format;
    }

    int blockSize() { return format == null ? 1 : format.blockSize(); }

    /** Bytes of one block (of one value for the float types). */
    int blockBytes() { return format == null ? (this == F32 ? 4 : 2) : format.blockBytes(); }

    /** True when rows of this length are whole blocks. */
    boolean fits(long rowLength) { return rowLength % blockSize() == 0; }

    /** Bytes of a tensor whose rows ({@code dims[0]}, GGUF order) are whole blocks. */
    long bytes(long[] dims) {
        if (!fits(dims[0])) throw new IllegalArgumentException("gguf: rows of " + dims[0] + " values are not whole " + this + " blocks of " + blockSize());
        long blocks = Math.multiplyExact(dims[0] / blockSize(), dev.shear.engine.HostTensor.numel(dims) / dims[0]);
        return Math.multiplyExact(blocks, blockBytes());
    }

    /** Storage bits per value (8.5 for Q8_0). */
    double bitsPerValue() { return 8.0 * blockBytes() / blockSize(); }

    static GgmlType of(int id, String tensor, Object file) {
        for (GgmlType t : values()) if (t.id == id) return t;
        throw ShearFormatException.of(file, "tensor " + tensor + " has ggml type " + Integer.toUnsignedString(id) + " (unknown to Shear)",
                "F32 (0), F16 (1), Q4_0 (2), Q5_0 (6), Q8_0 (8), Q4_K (12), Q6_K (14) or BF16 (30)");
    }
}
