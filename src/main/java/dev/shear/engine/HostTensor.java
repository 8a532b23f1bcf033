package dev.shear.engine;

import java.util.Arrays;

/** A dense fp32 tensor on the Java heap, row-major. The currency between file formats and the engine. */
public record HostTensor(long[] shape, float[] data) {
    public HostTensor {
        shape = shape.clone();
        long n = numel(shape);
        if (n != data.length)
            throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape)
                    + " holds " + n + " values, data has " + data.length);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long numel() { return data.length; }

    public int rows() { return (int) shape[0]; }

    public int cols() { return shape.length < 2 ? 1 : (int) (data.length / shape[0]); }

    public static HostTensor of(float[] data, long... shape) { return new HostTensor(shape, data); }

    public boolean hasNonFinite() {
        for (float v : data) if (!Float.isFinite(v)) return true;
        return false;
    }

    @Override public String toString() { return "HostTensor" + Arrays.toString(shape); }
}
