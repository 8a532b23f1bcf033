package dev.shear.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Typed, bounded access to the fields of one JSON object of a config file; every bad value is a
 * one-line {@link ShearFormatException} naming the file and the key.
 */
record ConfigFields(JsonNode root, Object file) {
    static final int MAX_SIZE = 1 << 24;
    /** More layers than any released model has by far; bounds what the config makes Shear allocate before any weight is checked. */
    static final int MAX_LAYERS = 1 << 12;

    boolean has(String key) { return root.has(key) && !root.get(key).isNull(); }

    /** The fields of a nested object, named in messages after this file. */
    ConfigFields child(String key) {
        JsonNode v = root.get(key);
        if (v == null || !v.isObject()) throw ShearFormatException.of(file, key + " is " + v, "an object");
        return new ConfigFields(v, file + " " + key);
    }

    int positive(String key) {
        if (!has(key)) throw ShearFormatException.of(file, key + " is missing", "a positive integer");
        return integer(key, root.get(key), 1);
    }

    /** A positive integer of at most {@code max}. */
    int positive(String key, int max) {
        int v = positive(key);
        if (v > max) throw ShearFormatException.of(file, key + " " + v, "an integer in 1.." + max);
        return v;
    }

    int integer(String key, JsonNode v, int min) {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > MAX_SIZE)
            throw ShearFormatException.of(file, key + " " + v, "an integer in " + min + ".." + MAX_SIZE);
        return v.intValue();
    }

    /** An integer that may be absent or null (then {@code dflt}). */
    int integer(String key, int min, int dflt) { return has(key) ? integer(key, root.get(key), min) : dflt; }

    double decimal(String key, double dflt) {
        if (!has(key)) return dflt;
        JsonNode v = root.get(key);
        if (!v.isNumber() || !Double.isFinite(v.doubleValue()) || v.doubleValue() < 0)
            throw ShearFormatException.of(file, key + " " + v, "a finite non-negative number");
        return v.doubleValue();
    }

    /** A finite positive number, or {@code dflt} when absent (rotary bases: 0 would divide by zero). */
    double positiveDecimal(String key, double dflt) {
        double v = decimal(key, dflt);
        if (!(v > 0)) throw ShearFormatException.of(file, key + " " + root.get(key), "a positive number");
        return v;
    }

    boolean bool(String key, boolean dflt) {
        if (!has(key)) return dflt;
        if (!root.get(key).isBoolean()) throw ShearFormatException.of(file, key + " " + root.get(key), "true or false");
        return root.get(key).booleanValue();
    }

    /** A string, or {@code dflt} when absent or null. */
    String text(String key, String dflt) {
        if (!has(key)) return dflt;
        if (!root.get(key).isTextual()) throw ShearFormatException.of(file, key + " " + root.get(key), "a string");
        return root.get(key).textValue();
    }

    /** A list of finite numbers. */
    List<Double> numbers(String key) {
        JsonNode arr = root.get(key);
        if (arr == null || !arr.isArray() || arr.isEmpty()) throw ShearFormatException.of(file, key + " is " + arr, "a list of numbers");
        List<Double> out = new ArrayList<>(arr.size());
        for (JsonNode v : arr) {
            if (!v.isNumber() || !Double.isFinite(v.doubleValue()) || v.doubleValue() <= 0)
                throw ShearFormatException.of(file, key + " holds " + v, "positive numbers");
            out.add(v.doubleValue());
        }
        return out;
    }

    /** A token id, or the first of a list of ids (Llama 3 lists several eos ids); -1 when null. */
    int tokenId(String key, int dflt) {
        if (!root.has(key)) return dflt;
        JsonNode v = root.get(key);
        if (v.isNull()) return -1;
        if (v.isArray() && v.size() > 0) v = v.get(0);
        return integer(key, v, 0);
    }

    int[] perLayer(String key, int layers, int scalar) {
        int[] out = new int[layers];
        Arrays.fill(out, scalar);
        if (!has(key)) return out;
        JsonNode arr = root.get(key);
        if (!arr.isArray() || arr.size() != layers)
            throw ShearFormatException.of(file, key + " has " + (arr.isArray() ? arr.size() + " entries" : "type " + arr.getNodeType()),
                    "an array of " + layers + " (num_hidden_layers)");
        for (int i = 0; i < layers; i++) out[i] = integer(key + "[" + i + "]", arr.get(i), 0);
        return out;
    }

    /** Fails with a one-line error naming a config feature Shear does not run. */
    ShearFormatException unsupported(String feature, String expected) {
        return ShearFormatException.of(file, feature + " is not supported", expected);
    }
}
