package dev.shear.io;

/** Tensor storage types Shear reads and writes; llama.cpp's quantized types are refused by name. */
enum GgmlType {
    F32(0, 4), F16(1, 2), BF16(30, 2);

    final int id;
    final int bytes;

    GgmlType(int id, int bytes) {
        this.id = id;
        this.bytes = bytes;
    }

    static GgmlType of(int id, String tensor, Object file) {
        for (GgmlType t : values()) if (t.id == id) return t;
        throw ShearFormatException.of(file, "tensor " + tensor + " has ggml type " + Integer.toUnsignedString(id)
                + " (quantized or unknown)", "F32 (0), F16 (1) or BF16 (30)");
    }
}
