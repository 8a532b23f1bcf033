package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import dev.shear.model.WeightNames;
import dev.shear.model.WeightNames.Linear;
import dev.shear.model.WeightNames.NeoxLinear;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightNamesTest {
    @Test void llamaNamesAreHuggingFaceNames() {
        assertEquals("model.embed_tokens.weight", WeightNames.embedTokens());
        assertEquals("model.layers.3.input_layernorm.weight", WeightNames.inputNorm(3));
        assertEquals("model.layers.3.self_attn.q_proj.weight", Linear.Q.weight(3));
        assertEquals("model.layers.0.self_attn.k_proj.bias", Linear.K.bias(0));
        assertEquals("model.layers.1.self_attn.v_proj.weight", Linear.V.weight(1));
        assertEquals("model.layers.1.self_attn.o_proj.bias", Linear.O.bias(1));
        assertEquals("model.layers.2.post_attention_layernorm.weight", WeightNames.postAttentionNorm(2));
        assertEquals("model.layers.2.mlp.gate_proj.weight", Linear.GATE.weight(2));
        assertEquals("model.layers.2.mlp.up_proj.bias", Linear.UP.bias(2));
        assertEquals("model.layers.2.mlp.down_proj.weight", Linear.DOWN.weight(2));
        assertEquals("model.norm.weight", WeightNames.finalNorm());
        assertEquals("lm_head.weight", WeightNames.lmHead());
    }

    @Test void neoxNamesAreHuggingFaceNames() {
        assertEquals("gpt_neox.embed_in.weight", WeightNames.neoxEmbedIn());
        assertEquals("gpt_neox.layers.4.input_layernorm.bias", WeightNames.neoxInputNorm(4, true));
        assertEquals("gpt_neox.layers.4.post_attention_layernorm.weight", WeightNames.neoxPostAttentionNorm(4, false));
        assertEquals("gpt_neox.layers.4.attention.query_key_value.weight", NeoxLinear.QKV.weight(4));
        assertEquals("gpt_neox.layers.4.attention.dense.bias", NeoxLinear.DENSE.bias(4));
        assertEquals("gpt_neox.layers.4.mlp.dense_h_to_4h.weight", NeoxLinear.H_TO_4H.weight(4));
        assertEquals("gpt_neox.layers.4.mlp.dense_4h_to_h.bias", NeoxLinear.FOUR_H_TO_H.bias(4));
        assertEquals("gpt_neox.final_layer_norm.weight", WeightNames.neoxFinalNorm(false));
        assertEquals("embed_out.weight", WeightNames.neoxEmbedOut());
    }

    @Test void tiedGqaLlamaNeedsNineTensorsPerLayerAndNoHead() {
        ModelConfig c = ModelConfig.llama(64, 172, 5, 8, 4, 512, 512, true);
        Map<String, long[]> s = WeightNames.expectedShapes(c);
        assertEquals(1 + 5 * 9 + 1, s.size());
        assertArrayEquals(new long[] {512, 64}, s.get("model.embed_tokens.weight"));
        assertArrayEquals(new long[] {64, 64}, s.get(Linear.Q.weight(0)));
        assertArrayEquals(new long[] {32, 64}, s.get(Linear.K.weight(4)));
        assertArrayEquals(new long[] {32, 64}, s.get(Linear.V.weight(4)));
        assertArrayEquals(new long[] {64, 64}, s.get(Linear.O.weight(2)));
        assertArrayEquals(new long[] {172, 64}, s.get(Linear.GATE.weight(1)));
        assertArrayEquals(new long[] {172, 64}, s.get(Linear.UP.weight(1)));
        assertArrayEquals(new long[] {64, 172}, s.get(Linear.DOWN.weight(1)));
        assertArrayEquals(new long[] {64}, s.get(WeightNames.finalNorm()));
        assertFalse(s.containsKey("lm_head.weight"));
        assertTrue(WeightNames.expectedShapes(c.withTiedEmbeddings(false)).containsKey("lm_head.weight"));
    }

    @Test void biasFlagsAddBiases() {
        ModelConfig qwen = ModelConfig.llama(64, 128, 1, 4, 2, 100, 64, true).withBiases(true, false);
        Map<String, long[]> s = WeightNames.expectedShapes(qwen);
        assertArrayEquals(new long[] {64}, s.get(Linear.Q.bias(0)));
        assertArrayEquals(new long[] {32}, s.get(Linear.K.bias(0)));
        assertArrayEquals(new long[] {32}, s.get(Linear.V.bias(0)));
        assertFalse(s.containsKey(Linear.O.bias(0)));
        Map<String, long[]> flap = WeightNames.expectedShapes(qwen.withBiases(false, true));
        assertArrayEquals(new long[] {64}, flap.get(Linear.O.bias(0)));
        assertArrayEquals(new long[] {64}, flap.get(Linear.DOWN.bias(0)));
        assertFalse(flap.containsKey(Linear.GATE.bias(0)));
    }

    @Test void prunedLayersHaveTheirOwnWidths() {
        ModelConfig c = ModelConfig.llama(64, 172, 2, 8, 4, 512, 512, true)
                .withLayers(List.of(new LayerWidths(6, 3, 8, 100), new LayerWidths(0, 0, 8, 0)));
        Map<String, long[]> s = WeightNames.expectedShapes(c);
        assertArrayEquals(new long[] {48, 64}, s.get(Linear.Q.weight(0)));
        assertArrayEquals(new long[] {24, 64}, s.get(Linear.K.weight(0)));
        assertArrayEquals(new long[] {64, 48}, s.get(Linear.O.weight(0)));
        assertArrayEquals(new long[] {64, 100}, s.get(Linear.DOWN.weight(0)));
        assertArrayEquals(new long[] {0, 64}, s.get(Linear.Q.weight(1)));
        assertArrayEquals(new long[] {0, 64}, s.get(Linear.UP.weight(1)));
    }

    @Test void neoxHasFusedQkvAndBiasedNorms() {
        ModelConfig c = neox(2);
        Map<String, long[]> s = WeightNames.expectedShapes(c);
        assertEquals(1 + 2 * 12 + 2 + 1, s.size());
        assertArrayEquals(new long[] {3 * 64, 64}, s.get(NeoxLinear.QKV.weight(1)));
        assertArrayEquals(new long[] {3 * 64}, s.get(NeoxLinear.QKV.bias(1)));
        assertArrayEquals(new long[] {64, 64}, s.get(NeoxLinear.DENSE.weight(1)));
        assertArrayEquals(new long[] {256, 64}, s.get(NeoxLinear.H_TO_4H.weight(1)));
        assertArrayEquals(new long[] {64, 256}, s.get(NeoxLinear.FOUR_H_TO_H.weight(1)));
        assertArrayEquals(new long[] {64}, s.get(WeightNames.neoxInputNorm(0, true)));
        assertArrayEquals(new long[] {64}, s.get(WeightNames.neoxFinalNorm(true)));
        assertArrayEquals(new long[] {100, 64}, s.get("embed_out.weight"));
    }

    @Test void ignorableBuffersAreOnlyRotaryAndMaskBuffers() {
        assertTrue(WeightNames.isIgnorableBuffer("model.layers.0.self_attn.rotary_emb.inv_freq"));
        assertTrue(WeightNames.isIgnorableBuffer("gpt_neox.layers.3.attention.masked_bias"));
        assertTrue(WeightNames.isIgnorableBuffer("gpt_neox.layers.3.attention.bias"));
        assertFalse(WeightNames.isIgnorableBuffer("gpt_neox.layers.3.attention.dense.bias"));
        assertFalse(WeightNames.isIgnorableBuffer("model.layers.0.self_attn.q_proj.bias"));
    }

    static ModelConfig neox(int layers) {
        return new ModelConfig(Architecture.NEOX, 64, 100, 128, Collections.nCopies(layers, new LayerWidths(4, 4, 16, 256)),
                1e-5, 10000, RopeLayout.HALF, 0.25, false, true, true, true, true, 0, 0);
    }
}
