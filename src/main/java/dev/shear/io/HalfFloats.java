package dev.shear.io;

/**
 * IEEE binary16 and bfloat16 conversions in plain Java (bf16 must never reach the engine).
 * Narrowing rounds to nearest, ties to even; NaN stays NaN, overflow becomes infinity.
 */
public final class HalfFloats {
    private HalfFloats() {}

    public static float f16ToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F, mant = bits & 0x3FF;
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        if (exp == 0) {
            float v = mant * 0x1p-24f;                      // subnormal (or zero)
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    public static short floatToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF, mant = bits & 0x7FFFFF;
        if (exp == 0xFF) return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        int e = exp - 127 + 15;
        if (e >= 0x1F) return (short) (sign | 0x7C00);
        if (e <= 0) return (short) (sign | subnormalF16(mant | 0x800000, 14 - e));
        int half = (e << 10) | (mant >>> 13);
        return (short) (sign | roundHalfEven(half, mant & 0x1FFF, 13));   // a carry may reach infinity: correct
    }

    /** {@code m24 >> shift}, rounded; shift is at least 14. */
    private static int subnormalF16(int m24, int shift) {
        if (shift > 24) return 0;
        return roundHalfEven(m24 >>> shift, m24 & ((1 << shift) - 1), shift);
    }

    private static int roundHalfEven(int kept, int dropped, int droppedBits) {
        int halfway = 1 << (droppedBits - 1);
        if (dropped > halfway || (dropped == halfway && (kept & 1) == 1)) return kept + 1;
        return kept;
    }

    public static float bf16ToFloat(short b) { return Float.intBitsToFloat((b & 0xFFFF) << 16); }

    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** The value a float becomes after a round trip through the given precision. */
    public static float roundTo(SafetensorsDType dtype, float f) {
        return switch (dtype) {
            case F16 -> f16ToFloat(floatToF16(f));
            case BF16 -> bf16ToFloat(floatToBf16(f));
            case F32, F64 -> f;
        };
    }
}
