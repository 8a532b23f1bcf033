package dev.shear.io;

import dev.shear.engine.HostTensor;
import dev.shear.engine.TensorSource;
import dev.shear.model.Family;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.WeightNames;
import dev.shear.model.WeightNames.Linear;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a family stores its weights in a Hugging Face folder, against Shear's names
 * ({@link WeightNames}): the same, except for Phi-3, whose {@code self_attn.qkv_proj} holds the q,
 * k and v rows one after the other and whose {@code mlp.gate_up_proj} holds the gate rows, then the
 * up rows. Shear holds them split, so each can be pruned on its own; they are split while reading
 * and fused again, with the pruned widths, when saving.
 */
final class StoredTensors {
    private StoredTensors() {}

    /** Where a Shear tensor's values start in a stored tensor. */
    record Location(String stored, long offset) {}

    /** One fused tensor and the Shear tensors whose rows it stacks, in order. */
    private record Fused(String stored, List<String> parts) {}

    static boolean fuses(ModelConfig c) { return c.family() == Family.PHI3; }

    /** Every stored tensor with its shape, in state-dict order. */
    static LinkedHashMap<String, long[]> shapes(ModelConfig c) {
        LinkedHashMap<String, long[]> shapes = WeightNames.expectedShapes(c);
        if (!fuses(c)) return shapes;
        LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
        Map<String, Fused> byFirst = new LinkedHashMap<>();
        for (Fused f : fused(c)) byFirst.put(f.parts().get(0), f);
        java.util.Set<String> inFused = new java.util.HashSet<>();
        for (Fused f : fused(c)) inFused.addAll(f.parts());
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            Fused f = byFirst.get(e.getKey());
            if (f != null) out.put(f.stored(), stackedShape(f, shapes));
            else if (!inFused.contains(e.getKey())) out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Where Shear's tensor {@code name} lives in storage (itself, at 0, unless it is part of a fused tensor). */
    static Location locate(ModelConfig c, String name) {
        if (!fuses(c)) return new Location(name, 0);
        Map<String, long[]> shapes = WeightNames.expectedShapes(c);
        for (Fused f : fused(c)) {
            long at = 0;
            for (String p : f.parts()) {
                if (p.equals(name)) return new Location(f.stored(), at);
                at += HostTensor.numel(shapes.get(p));
            }
        }
        return new Location(name, 0);
    }

    /** Shear's tensors read out of a source of stored ones. */
    static TensorSource split(ModelConfig c, Map<String, long[]> expected, TensorSource stored) {
        if (!fuses(c)) return stored;
        Map<String, Location> where = new LinkedHashMap<>();
        for (String n : expected.keySet()) where.put(n, locate(c, n));
        return new TensorSource() {
            @Override public long[] shape(String name) {
                long[] s = expected.get(name);
                return s == null ? null : s.clone();
            }

            @Override public void read(String name, long offset, FloatBuffer dst) {
                Location l = where.get(name);
                stored.read(l.stored(), l.offset() + offset, dst);
            }
        };
    }

    /** A source of the stored tensors over one of Shear's: a fused tensor reads each part's rows where they lie. */
    static TensorSource fused(ModelConfig c, TensorSource weights) {
        if (!fuses(c)) return weights;
        Map<String, long[]> shapes = WeightNames.expectedShapes(c), stored = shapes(c);
        Map<String, Fused> byName = new LinkedHashMap<>();
        for (Fused f : fused(c)) byName.put(f.stored(), f);
        return new TensorSource() {
            @Override public long[] shape(String name) {
                long[] s = stored.get(name);
                return s == null ? null : s.clone();
            }

            @Override public void read(String name, long offset, FloatBuffer dst) {
                Fused f = byName.get(name);
                if (f == null) {
                    weights.read(name, offset, dst);
                    return;
                }
                long at = 0;
                for (String p : f.parts()) {
                    long n = HostTensor.numel(shapes.get(p));
                    if (dst.hasRemaining() && offset < at + n) {
                        long from = Math.max(offset, at) - at;
                        int count = (int) Math.min(dst.remaining(), n - from);
                        int limit = dst.limit();
                        dst.limit(dst.position() + count);
                        weights.read(p, from, dst);
                        dst.limit(limit);
                    }
                    at += n;
                }
            }
        };
    }

    /** The weights as stored: Phi-3's projections fused (copies), every other tensor as it is. */
    static Map<String, HostTensor> fuse(ModelConfig c, Map<String, HostTensor> weights) {
        if (!fuses(c)) return weights;
        Map<String, long[]> shapes = WeightNames.expectedShapes(c);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String stored : shapes(c).keySet()) {
            Fused f = fused(c).stream().filter(x -> x.stored().equals(stored)).findFirst().orElse(null);
            out.put(stored, f == null ? weights.get(stored) : stack(f, weights, stackedShape(f, shapes)));
        }
        return out;
    }

    private static List<Fused> fused(ModelConfig c) {
        List<Fused> out = new java.util.ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String attn = "model.layers." + i + ".self_attn.qkv_proj.", mlp = "model.layers." + i + ".mlp.gate_up_proj.";
            out.add(new Fused(attn + "weight", List.of(Linear.Q.weight(i), Linear.K.weight(i), Linear.V.weight(i))));
            if (c.attentionBias()) out.add(new Fused(attn + "bias", List.of(Linear.Q.bias(i), Linear.K.bias(i), Linear.V.bias(i))));
            out.add(new Fused(mlp + "weight", List.of(Linear.GATE.weight(i), Linear.UP.weight(i))));
            if (c.mlpBias()) out.add(new Fused(mlp + "bias", List.of(Linear.GATE.bias(i), Linear.UP.bias(i))));
        }
        return out;
    }

    private static long[] stackedShape(Fused f, Map<String, long[]> shapes) {
        long[] first = shapes.get(f.parts().get(0)).clone();
        first[0] = 0;
        for (String p : f.parts()) first[0] += shapes.get(p)[0];
        return first;
    }

    private static HostTensor stack(Fused f, Map<String, HostTensor> weights, long[] shape) {
        float[] data = new float[Math.toIntExact(HostTensor.numel(shape))];
        int at = 0;
        for (String p : f.parts()) {
            float[] part = weights.get(p).data();
            System.arraycopy(part, 0, data, at, part.length);
            at += part.length;
        }
        return new HostTensor(shape, data);
    }

    /** A layer's fused widths, for messages. */
    static String describe(LayerWidths w) {
        return "q " + w.qDim() + " + k " + w.kvDim() + " + v " + w.kvDim() + " rows, gate + up " + 2 * w.intermediateSize() + " rows";
    }
}
