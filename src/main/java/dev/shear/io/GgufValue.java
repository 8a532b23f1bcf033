package dev.shear.io;

import java.util.List;

/**
 * One GGUF metadata value. Scalars hold a {@code Long} (every integer type), {@code Double}
 * (both float types), {@code Boolean} or {@code String}; arrays hold a {@code List} of those,
 * with {@code elementType} naming their on-disk type (nested arrays are not supported).
 */
record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {
    GgufValue {
        if ((type == GgufValueType.ARRAY) != (elementType != null))
            throw new IllegalArgumentException("gguf: element type " + elementType + " given for a " + type);
        if (elementType == GgufValueType.ARRAY) throw new IllegalArgumentException("gguf: nested arrays are not supported");
        if (type == GgufValueType.ARRAY) value = List.copyOf((List<?>) value);
    }

    static GgufValue u32(long v) {
        if (v < 0 || v > 0xFFFFFFFFL) throw new IllegalArgumentException("gguf: uint32 value " + v + " out of range");
        return new GgufValue(GgufValueType.UINT32, null, v);
    }

    static GgufValue f32(double v) { return new GgufValue(GgufValueType.FLOAT32, null, (double) (float) v); }

    static GgufValue bool(boolean v) { return new GgufValue(GgufValueType.BOOL, null, v); }

    static GgufValue string(String v) { return new GgufValue(GgufValueType.STRING, null, v); }

    static GgufValue i32Array(List<Integer> v) { return new GgufValue(GgufValueType.ARRAY, GgufValueType.INT32, v.stream().map(Long::valueOf).toList()); }

    static GgufValue f32Array(List<Double> v) { return new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, v); }

    static GgufValue stringArray(List<String> v) { return new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, v); }

    boolean isArray() { return type == GgufValueType.ARRAY; }

    List<?> list() {
        if (!isArray()) throw new IllegalStateException("gguf: " + type + " value is not an array");
        return (List<?>) value;
    }
}
