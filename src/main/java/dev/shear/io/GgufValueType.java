package dev.shear.io;

/** The GGUF metadata value types, with their on-disk ids (GGUF v3). */
enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
    STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    final int id;
    /** Fewest bytes one value takes on disk (a string's length field, an array's type and count): bounds counts. */
    final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    static GgufValueType of(int id, Object file) {
        for (GgufValueType t : values()) if (t.id == id) return t;
        throw ShearFormatException.of(file, "metadata value type " + Integer.toUnsignedString(id), "a GGUF type id 0..12");
    }

    boolean isInteger() { return this != FLOAT32 && this != FLOAT64 && this != BOOL && this != STRING && this != ARRAY; }
}
