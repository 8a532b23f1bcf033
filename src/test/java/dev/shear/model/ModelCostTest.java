package dev.shear.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shear.engine.HostTensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelCostTest {
    /** stories260K: dim 64, 8 heads / 4 KV heads of 8, MLP 172, 5 layers, vocab 512, tied, context 512. */
    static final ModelConfig STORIES = ModelConfig.llama(64, 172, 5, 8, 4, 512, 512, true);

    @Test void stories260kByHand() {
        ModelCost c = ModelCost.of(STORIES, 512, 4);
        // per layer: q 64x64 + k 32x64 + v 32x64 + o 64x64 + gate/up/down 3 x 172x64 + two norms of 64
        long layer = 4096 + 2048 + 2048 + 4096 + 3 * 11008 + 128;
        assertEquals(45440, layer);
        assertEquals(List.of(layer, layer, layer, layer, layer), c.layerParams());
        assertEquals(512 * 64, c.embeddingParams());
        assertEquals(260_032, c.params());                     // the published count, final norm included
        assertEquals(4 * 260_032, c.weightBytes());
        // MACs per token: lm_head 512x64, per layer the 45312 matrix weights plus QK^T and AV at 512 positions (2 x 512 x 64)
        assertEquals(512 * 64 + 5 * (45312 + 2 * 512 * 64), c.macsPerToken());
        assertEquals(587_008, c.macsPerToken());
        assertEquals(512 * 64 + 5 * (45312 + 2 * 64), ModelCost.of(STORIES, 1, 2).macsPerToken());
        assertEquals(2 * 260_032, ModelCost.of(STORIES, 1, 2).weightBytes());
    }

    @Test void prunedLayerByHand() {
        // layer 1: 3 query heads over 1 KV head of 8, 20 channels, hidden 64; layer 2: no heads, no channels
        ModelConfig c = STORIES.withLayers(List.of(STORIES.layer(0), new LayerWidths(3, 1, 8, 20), new LayerWidths(0, 0, 8, 0),
                STORIES.layer(3), STORIES.layer(4)));
        ModelCost cost = ModelCost.of(c, 100, 4);
        assertEquals(3 * (2 * 8 * 64) + 1 * (2 * 8 * 64) + 20 * (3 * 64) + 2 * 64, cost.layerParams().get(1));
        assertEquals(128, cost.layerParams().get(2));
        long macs1 = 64 * (24 + 8 + 8) + 24 * 64 + 3 * 64 * 20 + 2 * 100 * 24;
        assertEquals(ModelCost.of(STORIES, 100, 4).macsPerToken() - 2 * (45312 + 2 * 100 * 64) + macs1 + 0, cost.macsPerToken());
    }

    /** Against an independent count: the shapes of every tensor the config requires. */
    @Test void paramsEqualTheSumOfRequiredTensorShapes() {
        ModelConfig pruned = STORIES.withLayers(List.of(new LayerWidths(6, 2, 8, 100), new LayerWidths(0, 0, 8, 3),
                new LayerWidths(8, 4, 8, 0), STORIES.layer(3), new LayerWidths(1, 1, 8, 1)));
        for (ModelConfig c : List.of(STORIES, pruned, pruned.withTiedEmbeddings(false), pruned.withBiases(true, true),
                pruned.withBiases(false, true), neox())) {
            long n = WeightNames.expectedShapes(c).values().stream().mapToLong(HostTensor::numel).sum();
            assertEquals(n, ModelCost.of(c, 8, 4).params(), c.toString());
        }
    }

    @Test void allBiasesAndNeoxPerStructureCounts() {
        ModelConfig all = new ModelConfig(Architecture.LLAMA, 16, 40, 8, List.of(new LayerWidths(4, 2, 4, 10)), 1e-5, 1e4,
                RopeLayout.HALF, 1.0, true, true, true, true, false, 1, 2);
        assertEquals(2 * 4 * 16 + 4, ModelCost.perQueryHead(all, 4));
        assertEquals(2 * 4 * 16 + 8, ModelCost.perKvHead(all, 4));
        assertEquals(3 * 16 + 2, ModelCost.perChannel(all));
        ModelConfig n = neox();
        assertEquals(4 * 8 * 32 + 3 * 8, ModelCost.perQueryHead(n, 8));     // q, k, v rows and dense columns, qkv biases
        assertEquals(0, ModelCost.perKvHead(n, 8));
        assertEquals(2 * 32 + 1, ModelCost.perChannel(n));
        assertEquals(32 * (3 * 32 + 32) + 2 * 32 * 64 + 2 * 5 * 32, ModelCost.layerMacs(n, n.layer(0), 5));
    }

    @Test void rejectsNonPositiveContext() {
        assertThrows(IllegalArgumentException.class, () -> ModelCost.of(STORIES, 0, 4));
    }

    static ModelConfig neox() {
        return new ModelConfig(Architecture.NEOX, 32, 50, 16, List.of(new LayerWidths(4, 4, 8, 64), new LayerWidths(2, 2, 8, 10)),
                1e-5, 1e4, RopeLayout.HALF, 0.25, false, true, true, true, true, 0, 0);
    }
}
