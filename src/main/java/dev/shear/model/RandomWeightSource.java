package dev.shear.model;

import dev.shear.engine.TensorSource;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Random weights for a config, generated on demand chunk by chunk, so a multi-billion-parameter
 * test model never exists on the heap: matrices uniform with standard deviation {@code std}, norm
 * weights one, biases zero. Each tensor is a pure function of (seed, name); reading in order is
 * cheap, seeking backwards regenerates from the start of the tensor.
 */
public final class RandomWeightSource implements TensorSource {
    private final Map<String, long[]> shapes;
    private final long seed;
    private final float halfWidth;
    private String current;
    private long position;
    private long state;

    public RandomWeightSource(ModelConfig config, long seed, float std) {
        this.shapes = WeightNames.expectedShapes(config);
        this.seed = seed;
        this.halfWidth = (float) (std * Math.sqrt(3.0));      // uniform on [-a, a] has std a / sqrt(3)
    }

    @Override public long[] shape(String name) {
        long[] s = shapes.get(name);
        return s == null ? null : s.clone();
    }

    @Override public void read(String name, long offset, FloatBuffer dst) {
        boolean norm = name.contains("norm") && name.endsWith(".weight");
        if (norm || name.endsWith(".bias")) {
            while (dst.hasRemaining()) dst.put(norm ? 1f : 0f);
            return;
        }
        if (!name.equals(current) || offset < position) restart(name);
        while (position < offset) { next(); position++; }
        while (dst.hasRemaining()) {
            dst.put(((next() >>> 40) * 0x1p-24f * 2 - 1) * halfWidth);
            position++;
        }
    }

    private void restart(String name) {
        current = name;
        position = 0;
        state = seed * 0x9E3779B97F4A7C15L ^ name.hashCode();
    }

    /** splitmix64: fast, and good enough for test weights. */
    private long next() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
