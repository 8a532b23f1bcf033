package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.engine.DType;
import dev.shear.engine.HostTensor;
import dev.shear.model.CausalLm;
import dev.shear.model.ModelConfig;
import dev.shear.model.RopeScaling;
import dev.shear.testing.Families;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** config.json of every family: read, written back for the stock class, read again; and one line for each feature Shear does not run. */
class FamilyConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    static java.util.List<String> fixtures() { return Families.ALL; }

    @ParameterizedTest @MethodSource("fixtures")
    void writtenConfigReadsBackTheSame(String name) throws Exception {
        ModelConfig c = ModelFolder.loadConfig(Families.folder(name));
        Path f = dir.resolve(name + ".json");
        HfConfigJson.write(c, f);
        assertEquals(c, HfConfigJson.read(f), name);
        JsonNode written = JSON.readTree(f.toFile()), original = JSON.readTree(Families.folder(name).resolve("config.json").toFile());
        assertEquals(original.get("architectures"), written.get("architectures"), name + ": the family's stock class");
        if (c.features().slidingWindow() > 0) assertEquals(c.features().slidingWindow(), written.get("sliding_window").asInt(), name);
        for (String key : new String[] {"rope_scaling", "query_pre_attn_scalar", "final_logit_softcapping",
                "original_max_position_embeddings", "partial_rotary_factor", "rope_local_base_freq", "head_dim"}) {
            if (original.has(key) && !original.get(key).isNull()) assertTrue(written.has(key), name + " writes " + key);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "llama3 | rope_scaling | {\"rope_type\":\"yarn\",\"factor\":4.0} | rope_scaling type yarn is not supported, expected one of [default, linear, dynamic, llama3, longrope, su]",
            "llama3 | quantization_config | {\"quant_method\":\"gptq\"} | quantization_config (a quantized checkpoint) is not supported, expected unquantized weights",
            "gemma3 | use_bidirectional_attention | true | use_bidirectional_attention is not supported, expected causal attention",
            "qwen2 | num_experts | 8 | num_experts (mixture of experts) is not supported, expected a dense model",
            "llama3 | final_logit_softcapping | 30.0 | final_logit_softcapping on LlamaForCausalLM is not supported, expected soft-capping only on Gemma",
            "qwen3 | hidden_act | \"gelu\" | hidden_act gelu is not supported, expected silu or gelu_pytorch_tanh",
            "qwen2 | mlp_bias | true | mlp_bias on Qwen2ForCausalLM is not supported, expected no MLP biases",
            "gemma2 | layer_types | [\"chunked_attention\",\"full_attention\"] | layer type chunked_attention is not supported, expected full_attention or sliding_attention",
            "phi3 | rope_scaling | {\"type\":\"longrope\",\"short_factor\":[1.0,2.0],\"long_factor\":[1.0,2.0]} | rope_scaling has 2 short/long factors, expected 4 (rotary dimensions / 2)",
            "gemma3 | architectures | [\"Gemma3ForConditionalGeneration\"] | architecture Gemma3ForConditionalGeneration is not supported, expected one of"})
    void unsupportedFeaturesAreOneLineNamingTheFeatureAndFile(String fixture, String key, String value, String message) throws Exception {
        ObjectNode cfg = (ObjectNode) JSON.readTree(Families.folder(fixture).resolve("config.json").toFile());
        cfg.set(key, JSON.readTree(value));
        Path f = dir.resolve("config.json");
        Files.write(f, JSON.writeValueAsBytes(cfg));
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> HfConfigJson.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test void halfBaseRefusesBf16ValuesPastTheFp16RangeNamingTheTensor() {
        LoadedModel m = ModelFolder.load(Families.folder("llama3"));
        Map<String, HostTensor> w = new LinkedHashMap<>(m.weights());
        String big = "model.layers.1.mlp.down_proj.weight";
        float[] d = w.get(big).data().clone();
        d[5] = 1.5e5f;
        w.put(big, new HostTensor(w.get(big).shape(), d));
        Path out = dir.resolve("bf16");
        try (Tokenizer tok = ModelFolder.loadTokenizer(Families.folder("llama3"), null)) {
            ModelFolder.save(new LoadedModel(m.config(), w, null), tok, out, new ModelFolder.SaveOptions(SafetensorsDType.BF16, 1 << 30));
        }
        try (ModelStream s = ModelFolder.open(out)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CausalLm.fromSource(s.config(), s.weights(), DType.F16));
            assertEquals(big + " holds 149504.0 at index 5, beyond the fp16 range (largest finite value 65504): load it with --base-dtype fp32",
                    e.getMessage());
        }
        try (ModelStream s = ModelFolder.open(out); CausalLm full = CausalLm.fromSource(s.config(), s.weights(), DType.F32)) {
            assertEquals(149504.0, full.toHost().get(big).data()[5], "bf16 holds it; fp32 keeps it");
        }
    }

    @Test void dynamicScalingRunsPastItsOriginalContext() {
        ModelConfig c = ModelFolder.loadConfig(Families.folder("llama-dynamic"));
        assertEquals(new RopeScaling.Dynamic(2.0, 8), c.features().ropeScaling());
        assertEquals(16, c.maxSeqLen(), "max_position_embeddings x factor");
    }
}
