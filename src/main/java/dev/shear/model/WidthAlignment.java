package dev.shear.model;

import dev.shear.engine.HostTensor;
import dev.shear.model.WeightNames.Linear;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Rounds each layer's MLP width to a multiple of {@code multiple}, so matrix kernels see friendly
 * sizes. Rounding up adds zero channels (the function is unchanged); rounding down drops the
 * channels whose gate, up and down weights have the smallest norm (the function changes). Heads are
 * not rounded: a layer's attention widths are already multiples of the head size.
 *
 * @param multiple 1 leaves widths alone
 */
public record WidthAlignment(int multiple, Rounding rounding) {
    public static final WidthAlignment NONE = new WidthAlignment(1, Rounding.NEAREST);

    /** Which multiple a width goes to; ties of NEAREST go up. */
    public enum Rounding { NEAREST, UP, DOWN }

    public WidthAlignment {
        if (multiple < 1 || multiple > 4096) throw new IllegalArgumentException("--align " + multiple + " must be in 1..4096");
    }

    public static WidthAlignment parse(int multiple, String rounding) {
        return new WidthAlignment(multiple, switch (rounding) {
            case "nearest" -> Rounding.NEAREST;
            case "up" -> Rounding.UP;
            case "down" -> Rounding.DOWN;
            default -> throw new IllegalArgumentException("--align-round " + rounding + ": expected nearest, up or down");
        });
    }

    public boolean active() { return multiple > 1; }

    /** The aligned width of {@code n} channels (0 stays 0). */
    public int round(int n) {
        int down = n / multiple * multiple, up = down == n ? n : down + multiple;
        return switch (rounding) {
            case UP -> up;
            case DOWN -> down;
            case NEAREST -> n - down < up - n ? down : up;
        };
    }

    /** The config with every layer's MLP width rounded. */
    public ModelConfig apply(ModelConfig c) {
        List<LayerWidths> out = new ArrayList<>();
        for (LayerWidths w : c.layers()) out.add(w.withIntermediateSize(round(w.intermediateSize())));
        return c.withLayers(out);
    }

    /** Weights of {@link #apply}'s config: lowest-norm channels dropped where a layer shrinks, zero channels added where it grows. */
    public Map<String, HostTensor> apply(ModelConfig c, Map<String, HostTensor> weights) {
        if (c.architecture() != Architecture.LLAMA)
            throw new IllegalArgumentException("--align: only LLaMA-family layers can be re-aligned, not " + c.architecture());
        Map<String, HostTensor> w = new LinkedHashMap<>(weights);
        List<LayerWidths> kept = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            LayerWidths l = c.layer(i);
            int target = round(l.intermediateSize());
            if (target < l.intermediateSize()) keepMlp(c, w, i, strongest(w, i, target));
            kept.add(l.withIntermediateSize(Math.min(target, l.intermediateSize())));
        }
        return WidthPadding.pad(c.withLayers(kept), w, apply(c).layers());
    }

    /** Indices (ascending) of the {@code keep} channels with the largest squared gate + up + down norm. */
    static int[] strongest(Map<String, HostTensor> w, int layer, int keep) {
        HostTensor gate = w.get(Linear.GATE.weight(layer)), up = w.get(Linear.UP.weight(layer)), down = w.get(Linear.DOWN.weight(layer));
        int n = gate.rows(), d = gate.cols();
        double[] sq = new double[n];
        for (int j = 0; j < n; j++)
            for (int k = 0; k < d; k++) sq[j] += sq(gate.data()[j * d + k]) + sq(up.data()[j * d + k]) + sq(down.data()[k * n + j]);
        return IntStream.range(0, n).boxed().sorted(Comparator.<Integer>comparingDouble(j -> -sq[j]).thenComparing(j -> j))
                .limit(keep).mapToInt(Integer::intValue).sorted().toArray();
    }

    private static double sq(float x) { return (double) x * x; }

    private static void keepMlp(ModelConfig c, Map<String, HostTensor> w, int i, int[] keep) {
        w.put(Linear.GATE.weight(i), WidthPadding.rows(w.get(Linear.GATE.weight(i)), keep, 1));
        w.put(Linear.UP.weight(i), WidthPadding.rows(w.get(Linear.UP.weight(i)), keep, 1));
        w.put(Linear.DOWN.weight(i), WidthPadding.cols(w.get(Linear.DOWN.weight(i)), keep, 1));
        if (c.mlpBias()) {
            w.put(Linear.GATE.bias(i), WidthPadding.rows(w.get(Linear.GATE.bias(i)), keep, 1));
            w.put(Linear.UP.bias(i), WidthPadding.rows(w.get(Linear.UP.bias(i)), keep, 1));
        }
    }

    /** "layer i: MLP a -> b" for every layer that changes. */
    public List<String> changes(ModelConfig c) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            int from = c.layer(i).intermediateSize(), to = round(from);
            if (to != from) out.add("layer " + i + ": MLP " + from + " -> " + to + (to > from ? " (zero channels)" : " (lowest-norm channels dropped)"));
        }
        return out;
    }

    @Override public String toString() { return multiple + " (" + rounding.name().toLowerCase(java.util.Locale.ROOT) + ")"; }
}
