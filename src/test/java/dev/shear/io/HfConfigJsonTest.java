package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.model.Architecture;
import dev.shear.model.LayerWidths;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfConfigJsonTest {
    @TempDir Path tmp;

    static final String TINYLLAMA = "{\"architectures\":[\"LlamaForCausalLM\"],\"attention_bias\":false,\"bos_token_id\":1,"
            + "\"eos_token_id\":2,\"hidden_act\":\"silu\",\"hidden_size\":2048,\"initializer_range\":0.02,\"intermediate_size\":5632,"
            + "\"max_position_embeddings\":2048,\"model_type\":\"llama\",\"num_attention_heads\":32,\"num_hidden_layers\":22,"
            + "\"num_key_value_heads\":4,\"pretraining_tp\":1,\"rms_norm_eps\":1e-05,\"rope_scaling\":null,\"rope_theta\":10000.0,"
            + "\"tie_word_embeddings\":false,\"torch_dtype\":\"bfloat16\",\"use_cache\":true,\"vocab_size\":32000}";
    static final String MISTRAL = "{\"architectures\":[\"MistralForCausalLM\"],\"bos_token_id\":1,\"eos_token_id\":2,"
            + "\"hidden_act\":\"silu\",\"hidden_size\":4096,\"intermediate_size\":14336,\"max_position_embeddings\":32768,"
            + "\"model_type\":\"mistral\",\"num_attention_heads\":32,\"num_hidden_layers\":32,\"num_key_value_heads\":8,"
            + "\"rms_norm_eps\":1e-05,\"rope_theta\":10000.0,\"sliding_window\":4096,\"tie_word_embeddings\":false,\"vocab_size\":32000}";
    static final String QWEN2 = "{\"architectures\":[\"Qwen2ForCausalLM\"],\"bos_token_id\":151643,\"eos_token_id\":151643,"
            + "\"hidden_act\":\"silu\",\"hidden_size\":896,\"intermediate_size\":4864,\"max_position_embeddings\":131072,"
            + "\"model_type\":\"qwen2\",\"num_attention_heads\":14,\"num_hidden_layers\":24,\"num_key_value_heads\":2,"
            + "\"rms_norm_eps\":1e-06,\"rope_theta\":1000000.0,\"sliding_window\":131072,\"tie_word_embeddings\":true,"
            + "\"use_sliding_window\":false,\"vocab_size\":151936}";
    static final String PYTHIA = "{\"architectures\":[\"GPTNeoXForCausalLM\"],\"bos_token_id\":0,\"eos_token_id\":0,"
            + "\"hidden_act\":\"gelu\",\"hidden_size\":512,\"intermediate_size\":2048,\"layer_norm_eps\":1e-05,"
            + "\"max_position_embeddings\":2048,\"model_type\":\"gpt_neox\",\"num_attention_heads\":8,\"num_hidden_layers\":6,"
            + "\"rotary_emb_base\":10000,\"rotary_pct\":0.25,\"tie_word_embeddings\":false,\"use_parallel_residual\":true,\"vocab_size\":50304}";

    private ModelConfig read(String json) throws Exception {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, json);
        return HfConfigJson.read(f);
    }

    @Test void readsTinyLlama() throws Exception {
        ModelConfig c = read(TINYLLAMA);
        assertEquals(Architecture.LLAMA, c.architecture());
        assertEquals(2048, c.hiddenSize());
        assertEquals(22, c.numLayers());
        assertEquals(new LayerWidths(32, 4, 64, 5632), c.layer(21));
        assertEquals(32000, c.vocabSize());
        assertEquals(2048, c.maxSeqLen());
        assertEquals(1e-5, c.normEps());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(RopeLayout.HALF, c.ropeLayout());
        assertFalse(c.tiedEmbeddings());
        assertFalse(c.attentionBias() || c.outputBias() || c.mlpBias());
        assertEquals(1, c.bosId());
        assertEquals(2, c.eosId());
    }

    @Test void readsMistralAndQwen2() throws Exception {
        ModelConfig m = read(MISTRAL);
        assertEquals(new LayerWidths(32, 8, 128, 14336), m.layer(0));
        assertEquals(32768, m.maxSeqLen());
        ModelConfig q = read(QWEN2);
        assertEquals(new LayerWidths(14, 2, 64, 4864), q.layer(0));
        assertTrue(q.attentionBias(), "Qwen2 has q/k/v biases");
        assertFalse(q.outputBias() || q.mlpBias());
        assertTrue(q.tiedEmbeddings());
        assertEquals(1e6, q.ropeTheta());
        assertEquals(1e-6, q.normEps());
        assertEquals(151643, q.eosId());
    }

    @Test void readsPythia() throws Exception {
        ModelConfig c = read(PYTHIA);
        assertEquals(Architecture.NEOX, c.architecture());
        assertEquals(new LayerWidths(8, 8, 64, 2048), c.layer(5));
        assertEquals(0.25, c.rotaryPct());
        assertEquals(16, c.rotaryDim(0));
        assertTrue(c.parallelResidual());
        assertTrue(c.attentionBias() && c.outputBias() && c.mlpBias());
        assertEquals(1e-5, c.normEps());
        assertEquals(0, c.eosId());
    }

    @Test void explicitHeadDimAndListedEosIds() throws Exception {
        ModelConfig c = read(TINYLLAMA.replace("\"vocab_size\":32000", "\"vocab_size\":32000,\"head_dim\":32")
                .replace("\"eos_token_id\":2", "\"eos_token_id\":[128001, 128009]"));
        assertEquals(32, c.layer(0).headDim());
        assertEquals(128001, c.eosId());
    }

    @Test void perLayerArraysOverrideScalars() throws Exception {
        String json = PYTHIA.replace("\"vocab_size\":50304", "\"vocab_size\":50304,\"layer_num_attention_heads\":[8,6,4,2,1,0],"
                + "\"layer_intermediate_size\":[2048,1024,512,256,128,0]");
        ModelConfig c = read(json);
        assertEquals(new LayerWidths(6, 6, 64, 1024), c.layer(1));
        assertEquals(new LayerWidths(0, 0, 64, 0), c.layer(5));
        ShearFormatException e = assertThrows(ShearFormatException.class,
                () -> read(PYTHIA.replace("\"vocab_size\":50304", "\"vocab_size\":50304,\"layer_intermediate_size\":[1,2]")));
        assertTrue(e.getMessage().contains("layer_intermediate_size has 2 entries, expected an array of 6"), e.getMessage());
    }

    @Test void unknownArchitectureIsOneLineNamingFileAndArchitecture() throws Exception {
        ShearFormatException e = assertThrows(ShearFormatException.class,
                () -> read(TINYLLAMA.replace("LlamaForCausalLM", "FalconForCausalLM")));
        assertEquals(tmp.resolve("config.json") + ": architecture FalconForCausalLM is not supported, expected one of "
                + "[LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM, "
                + "Phi3ForCausalLM, GPTNeoXForCausalLM]", e.getMessage());
    }

    @Test void rejectsWhatShearCannotRun() {
        assertThrows(ShearFormatException.class, () -> read(TINYLLAMA.replace("\"rope_scaling\":null", "\"rope_scaling\":{\"type\":\"linear\"}")));
        assertThrows(ShearFormatException.class, () -> read(TINYLLAMA.replace("\"silu\"", "\"gelu\"")));
        assertThrows(ShearFormatException.class, () -> read(TINYLLAMA.replace("\"attention_bias\":false", "\"attention_bias\":true")));
        assertThrows(ShearFormatException.class, () -> read(TINYLLAMA.replace("\"hidden_size\":2048", "\"hidden_size\":-5")));
        assertThrows(ShearFormatException.class, () -> read(TINYLLAMA.replace("\"num_hidden_layers\":22,", "")));
        assertThrows(ShearFormatException.class, () -> read("[]"));
    }

    @Test void uniformConfigIsStockTransformers() throws Exception {
        ModelConfig c = read(TINYLLAMA);
        ObjectNode json = HfConfigJson.toJson(c, "float32");
        Set<String> keys = new java.util.TreeSet<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(new java.util.TreeSet<>(List.of("architectures", "model_type", "hidden_size", "intermediate_size",
                "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "max_position_embeddings",
                "rms_norm_eps", "rope_theta", "vocab_size", "tie_word_embeddings", "bos_token_id", "eos_token_id", "torch_dtype",
                "hidden_act", "attention_bias", "mlp_bias")), keys);
        assertEquals("LlamaForCausalLM", json.get("architectures").get(0).asText());
        assertEquals("silu", json.get("hidden_act").asText());
        assertEquals("float32", json.get("torch_dtype").asText());
        assertEquals(c, roundTrip(c));
    }

    @Test void prunedConfigAddsPerLayerArraysWithMaxScalars() throws Exception {
        ModelConfig c = read(TINYLLAMA);
        List<LayerWidths> layers = new ArrayList<>(c.layers());
        layers.set(3, new LayerWidths(16, 2, 64, 3000));
        layers.set(7, new LayerWidths(0, 0, 64, 100));
        ModelConfig pruned = c.withLayers(layers);
        JsonNode json = HfConfigJson.toJson(pruned, "float32");
        assertEquals(32, json.get("num_attention_heads").asInt());
        assertEquals(5632, json.get("intermediate_size").asInt());
        assertEquals(16, json.get("layer_num_attention_heads").get(3).asInt());
        assertEquals(0, json.get("layer_num_key_value_heads").get(7).asInt());
        assertEquals(100, json.get("layer_intermediate_size").get(7).asInt());
        assertEquals(pruned, roundTrip(pruned));
    }

    @Test void biasCombinationsRoundTrip() throws Exception {
        ModelConfig base = read(TINYLLAMA);
        ModelConfig flap = base.withBiases(false, true);                  // o/down biases only
        assertTrue(HfConfigJson.toJson(flap, "float32").get("output_bias").asBoolean());
        assertEquals(flap, roundTrip(flap));
        ModelConfig qwen = base.withBiases(true, false);
        assertEquals("Qwen2ForCausalLM", HfConfigJson.toJson(qwen, "float32").get("architectures").get(0).asText());
        assertEquals(qwen.withFeatures(qwen.features().withFamily(dev.shear.model.Family.QWEN2)), roundTrip(qwen));
        ModelConfig all = new ModelConfig(base.architecture(), base.hiddenSize(), base.vocabSize(), base.maxSeqLen(), base.layers(),
                base.normEps(), base.ropeTheta(), base.ropeLayout(), 1.0, false, true, true, true, false, 1, 2);
        assertEquals(all, roundTrip(all));
        assertEquals(read(PYTHIA), roundTrip(read(PYTHIA)));
    }

    @Test void writerRefusesAdjacentLayout() {
        ModelConfig c = ModelConfig.llama(64, 172, 5, 8, 4, 512, 512, true).withRopeLayout(RopeLayout.ADJACENT);
        assertThrows(IllegalArgumentException.class, () -> HfConfigJson.toJson(c, "float32"));
    }

    private ModelConfig roundTrip(ModelConfig c) {
        Path f = tmp.resolve("rt.json");
        HfConfigJson.write(c, f);
        return HfConfigJson.read(f);
    }
}
