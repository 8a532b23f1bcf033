package dev.shear.io;

import java.nio.ByteBuffer;

/** The floating-point safetensors dtypes Shear reads and writes; all are converted to fp32 on the heap. */
public enum SafetensorsDType {
    F64(8), F32(4), F16(2), BF16(2);

    private final int bytes;

    SafetensorsDType(int bytes) { this.bytes = bytes; }

    public int bytes() { return bytes; }

    /** Null when the name is no float dtype Shear converts. */
    static SafetensorsDType forName(String name) {
        for (SafetensorsDType t : values()) if (t.name().equals(name)) return t;
        return null;
    }

    /** Decodes {@code count} values from a little-endian buffer into {@code dst[offset..]}. */
    void decode(ByteBuffer src, float[] dst, int offset, int count) {
        switch (this) {
            case F32 -> src.asFloatBuffer().get(dst, offset, count);
            case F64 -> { for (int i = 0; i < count; i++) dst[offset + i] = (float) src.getDouble(i * 8); }
            case F16 -> { for (int i = 0; i < count; i++) dst[offset + i] = HalfFloats.f16ToFloat(src.getShort(i * 2)); }
            case BF16 -> { for (int i = 0; i < count; i++) dst[offset + i] = HalfFloats.bf16ToFloat(src.getShort(i * 2)); }
        }
    }

    /** Decodes {@code count} values from a little-endian buffer (at its position) into {@code dst} (at its position). */
    void decode(ByteBuffer src, java.nio.FloatBuffer dst, int count) {
        int at = src.position();
        switch (this) {
            case F32 -> dst.put(src.asFloatBuffer().limit(count));
            case F64 -> { for (int i = 0; i < count; i++) dst.put((float) src.getDouble(at + i * 8)); }
            case F16 -> { for (int i = 0; i < count; i++) dst.put(HalfFloats.f16ToFloat(src.getShort(at + i * 2))); }
            case BF16 -> { for (int i = 0; i < count; i++) dst.put(HalfFloats.bf16ToFloat(src.getShort(at + i * 2))); }
        }
    }

    /** Encodes {@code count} values from {@code src[offset..]} at the buffer's position (little-endian buffer). */
    void encode(float[] src, int offset, int count, ByteBuffer dst) {
        if (this == F32) {
            dst.asFloatBuffer().put(src, offset, count);
            dst.position(dst.position() + count * Float.BYTES);
            return;
        }
        for (int i = 0; i < count; i++) {
            float v = src[offset + i];
            switch (this) {
                case F32 -> dst.putFloat(v);
                case F64 -> dst.putDouble(v);
                case F16 -> dst.putShort(HalfFloats.floatToF16(v));
                case BF16 -> dst.putShort(HalfFloats.floatToBf16(v));
            }
        }
    }
}
