package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.model.ModelConfig;
import dev.shear.model.WeightNames;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Checks a weight map against the tensors a config requires: all present, exact shapes, nothing else, finite. */
final class WeightShapes {
    private WeightShapes() {}

    /** The weights in {@link WeightNames#expectedShapes} order, or a one-line error naming the first problem. */
    static Map<String, HostTensor> requireExact(ModelConfig config, Map<String, HostTensor> weights, Object file) {
        LinkedHashMap<String, long[]> expected = WeightNames.expectedShapes(config);
        LinkedHashMap<String, HostTensor> ordered = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            HostTensor t = weights.get(e.getKey());
            if (t == null) throw ShearFormatException.of(file, e.getKey() + " is missing", Arrays.toString(e.getValue()));
            requireShape(file, e.getKey(), t.shape(), e.getValue());
            requireFinite(file, e.getKey(), t);
            ordered.put(e.getKey(), t);
        }
        for (String name : weights.keySet()) {
            if (!expected.containsKey(name))
                throw ShearFormatException.of(file, "unexpected tensor " + name,
                        "only the " + expected.size() + " tensors the config requires");
        }
        return ordered;
    }

    static void requireShape(Object file, String name, long[] actual, long[] expected) {
        if (!Arrays.equals(actual, expected))
            throw ShearFormatException.of(file, name + " is " + Arrays.toString(actual), Arrays.toString(expected));
    }

    static void requireFinite(Object file, String name, HostTensor t) {
        if (t.hasNonFinite()) throw ShearFormatException.of(file, name + " contains NaN or Inf", "finite values");
    }
}
