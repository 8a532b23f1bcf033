package dev.shear.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shear.engine.DType;
import dev.shear.engine.Engine;
import dev.shear.engine.HostTensor;
import dev.shear.engine.StepScope;
import dev.shear.model.WeightNames.Linear;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WidthAlignmentTest {
    static final int[][] TOKENS = {{1, 7, 3, 9, 22, 5, 17, 30}, {2, 11, 4, 4, 0, 39, 8, 1}};
    static final ModelConfig PER_LAYER = ModelConfig.llama(16, 24, 3, 4, 2, 40, 16, true)
            .withLayers(List.of(new LayerWidths(4, 2, 4, 13), new LayerWidths(2, 1, 4, 16), new LayerWidths(4, 4, 4, 3)));

    static float[] logits(ModelConfig c, Map<String, HostTensor> w) {
        try (CausalLm m = CausalLm.fromWeights(c, w, DType.F64); StepScope s = Engine.openScope(m.store())) {
            return m.forward(s.tokens(TOKENS)).toFloats();
        }
    }

    @Test void roundsToMultiples() {
        WidthAlignment up = WidthAlignment.parse(8, "up"), down = WidthAlignment.parse(8, "down"), near = WidthAlignment.parse(8, "nearest");
        int[] n = {0, 1, 3, 4, 5, 8, 13, 172};
        int[] wantUp = {0, 8, 8, 8, 8, 8, 16, 176}, wantDown = {0, 0, 0, 0, 0, 8, 8, 168}, wantNear = {0, 0, 0, 8, 8, 8, 16, 176};
        for (int i = 0; i < n.length; i++) {
            assertEquals(wantUp[i], up.round(n[i]), "up " + n[i]);
            assertEquals(wantDown[i], down.round(n[i]), "down " + n[i]);
            assertEquals(wantNear[i], near.round(n[i]), "nearest " + n[i]);
        }
        assertThrows(IllegalArgumentException.class, () -> WidthAlignment.parse(8, "sideways"));
        assertThrows(IllegalArgumentException.class, () -> WidthAlignment.parse(0, "up"));
    }

    @Test void roundingUpAddsZeroChannelsAndKeepsTheFunction() {
        Map<String, HostTensor> w = CausalLm.randomWeights(PER_LAYER, 3, 0.3f);
        WidthAlignment a = WidthAlignment.parse(8, "up");
        ModelConfig aligned = a.apply(PER_LAYER);
        assertEquals(List.of(16, 16, 8), aligned.layers().stream().map(LayerWidths::intermediateSize).toList());
        Map<String, HostTensor> padded = a.apply(PER_LAYER, w);
        assertArrayEquals(new long[] {16, 16}, padded.get(Linear.UP.weight(0)).shape());
        assertArrayEquals(logits(PER_LAYER, w), logits(aligned, padded), 1e-6f);
        assertEquals(List.of("layer 0: MLP 13 -> 16 (zero channels)", "layer 2: MLP 3 -> 8 (zero channels)"), a.changes(PER_LAYER));
    }

    /** Channels 0..12 of layer 0 get norms rising with the index; rounding down to 8 keeps 5..12, in order. */
    @Test void roundingDownKeepsTheLargestNormChannels() {
        Map<String, HostTensor> w = new java.util.LinkedHashMap<>(CausalLm.randomWeights(PER_LAYER, 4, 0.3f));
        float[] gate = w.get(Linear.GATE.weight(0)).data();
        for (int j = 0; j < 13; j++) for (int k = 0; k < 16; k++) gate[j * 16 + k] = (j + 1) * (k % 2 == 0 ? 1f : -1f);
        WidthAlignment a = WidthAlignment.parse(8, "down");
        Map<String, HostTensor> out = a.apply(PER_LAYER, w);
        HostTensor g = out.get(Linear.GATE.weight(0)), down = out.get(Linear.DOWN.weight(0));
        assertArrayEquals(new long[] {8, 16}, g.shape());
        assertArrayEquals(new long[] {16, 8}, down.shape());
        for (int j = 0; j < 8; j++) {
            assertEquals(j + 6, g.data()[j * 16], "kept channel " + j);
            assertEquals(w.get(Linear.DOWN.weight(0)).data()[13 + j + 5], down.data()[8 + j], "down column follows its channel");
        }
        assertEquals(0, out.get(Linear.UP.weight(2)).shape()[0], "3 channels round down to none");
        assertArrayEquals(w.get(Linear.UP.weight(1)).data(), out.get(Linear.UP.weight(1)).data(), "an aligned layer is untouched");
    }

    /** Dropping channels that are exactly zero leaves the function as it was. */
    @Test void roundingDownOverZeroChannelsKeepsTheFunction() {
        Map<String, HostTensor> w = new java.util.LinkedHashMap<>(CausalLm.randomWeights(PER_LAYER, 5, 0.3f));
        for (Linear l : List.of(Linear.GATE, Linear.UP)) {
            float[] d = w.get(l.weight(0)).data();
            for (int j : new int[] {2, 7, 9, 10, 12}) java.util.Arrays.fill(d, j * 16, (j + 1) * 16, 0f);
        }
        float[] down = w.get(Linear.DOWN.weight(0)).data();
        for (int r = 0; r < 16; r++) for (int j : new int[] {2, 7, 9, 10, 12}) down[r * 13 + j] = 0f;
        WidthAlignment a = new WidthAlignment(8, WidthAlignment.Rounding.DOWN);
        Map<String, HostTensor> w0 = a.apply(PER_LAYER, w);
        assertEquals(8, a.apply(PER_LAYER).layer(0).intermediateSize());
        // layer 0 drops its five zero channels; layer 2 (3 channels) rounds to 0: compare with that MLP removed by hand
        Map<String, HostTensor> ref = new java.util.LinkedHashMap<>(w);
        for (Linear l : List.of(Linear.GATE, Linear.UP)) ref.put(l.weight(2), HostTensor.of(new float[0], 0, 16));
        ref.put(Linear.DOWN.weight(2), HostTensor.of(new float[0], 16, 0));
        ModelConfig refCfg = PER_LAYER.withLayers(List.of(PER_LAYER.layer(0), PER_LAYER.layer(1), PER_LAYER.layer(2).withIntermediateSize(0)));
        assertArrayEquals(logits(refCfg, ref), logits(a.apply(PER_LAYER), w0), 1e-6f);
    }
}
