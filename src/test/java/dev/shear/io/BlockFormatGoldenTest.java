package dev.shear.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.testing.Golden;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every block format against the independent numpy implementation (reference/ggml_blocks.py, itself
 * checked bit for bit against llama.cpp's libggml-base by reference/check_ggml_blocks.py): the same
 * packed bytes for every golden case, Q4_K included, and the same dequantized binary32 values.
 */
class BlockFormatGoldenTest {
    static final Map<String, GgmlType> FORMATS = Map.of("q8_0", GgmlType.Q8_0, "q4_0", GgmlType.Q4_0, "q5_0", GgmlType.Q5_0,
            "q4_K", GgmlType.Q4_K, "q6_K", GgmlType.Q6_K);
    static final JsonNode GOLDEN = Golden.json("quant_blocks.json");

    static float[] values(JsonNode c) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(c.get("values_f32le").asText())).order(ByteOrder.LITTLE_ENDIAN);
        float[] x = new float[b.remaining() / 4];
        b.asFloatBuffer().get(x);
        return x;
    }

    static byte[] quantize(BlockFormat f, float[] x) {
        byte[] out = new byte[x.length / f.blockSize() * f.blockBytes()];
        for (int b = 0; b < x.length / f.blockSize(); b++) f.quantize(x, b * f.blockSize(), out, b * f.blockBytes());
        return out;
    }

    static float[] dequantize(BlockFormat f, byte[] packed) {
        float[] y = new float[packed.length / f.blockBytes() * f.blockSize()];
        for (int b = 0; b < packed.length / f.blockBytes(); b++) f.dequantize(packed, b * f.blockBytes(), y, b * f.blockSize());
        return y;
    }

    @Test void blockSizesMatchTheReference() {
        for (Map.Entry<String, GgmlType> e : FORMATS.entrySet()) {
            JsonNode f = GOLDEN.get("formats").get(e.getKey());
            assertEquals(f.get("block_size").asInt(), e.getValue().format.blockSize(), e.getKey());
            assertEquals(f.get("block_bytes").asInt(), e.getValue().format.blockBytes(), e.getKey());
        }
    }

    @Test void packedBytesEqualTheReferenceBitForBit() {
        int compared = 0;
        for (JsonNode c : GOLDEN.get("cases")) {
            float[] x = values(c);
            for (Map.Entry<String, GgmlType> e : FORMATS.entrySet()) {
                byte[] want = Base64.getDecoder().decode(c.get("packed").get(e.getKey()).get("bytes").asText());
                byte[] got = quantize(e.getValue().format, x);
                assertEquals(want.length, got.length, c.get("name").asText() + " " + e.getKey());
                for (int i = 0; i < want.length; i++)
                    if (want[i] != got[i])
                        fail(c.get("name").asText() + " " + e.getKey() + ": byte " + i + " (block " + i / e.getValue().format.blockBytes()
                                + ") is " + (got[i] & 0xFF) + ", the reference has " + (want[i] & 0xFF));
                compared++;
            }
        }
        assertEquals(GOLDEN.get("cases").size() * FORMATS.size(), compared);
    }

    @Test void dequantizedValuesEqualTheReferenceBitForBit() throws Exception {
        for (JsonNode c : GOLDEN.get("cases")) {
            for (Map.Entry<String, GgmlType> e : FORMATS.entrySet()) {
                JsonNode g = c.get("packed").get(e.getKey());
                float[] y = dequantize(e.getValue().format, Base64.getDecoder().decode(g.get("bytes").asText()));
                ByteBuffer b = ByteBuffer.allocate(4 * y.length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(y);
                String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
                assertEquals(g.get("dequantized_sha256").asText(), sha, c.get("name").asText() + " " + e.getKey() + ": dequantized values");
                float[] x = values(c);
                double maxErr = 0;
                for (int i = 0; i < x.length; i++) maxErr = Math.max(maxErr, Math.abs((double) y[i] - x[i]));
                assertEquals(g.get("max_abs_error").asDouble(), maxErr, 0.0, c.get("name").asText() + " " + e.getKey());
            }
        }
    }
}
