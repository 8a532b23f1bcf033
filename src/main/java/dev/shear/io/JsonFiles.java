package dev.shear.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Strict JSON for model files: UTF-8 only, no duplicate keys, nothing after the value, bounded size. */
final class JsonFiles {
    static final long MAX_FILE = 100L << 20;
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonFiles() {}

    /** A JSON object from a bounded file. */
    static JsonNode read(Path file) { return parseObject(InputFiles.readAll(file, MAX_FILE, "file"), file); }

    /** Decodes UTF-8 strictly first: left to itself Jackson guesses UTF-16/32 from the first bytes. */
    static JsonNode parseObject(byte[] bytes, Object file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ShearFormatException.of(file, "JSON is not valid UTF-8", "UTF-8 text", e);
        }
        try {
            JsonNode root = MAPPER.readTree(text);
            if (root == null || !root.isObject()) throw ShearFormatException.of(file, "JSON is not an object", "{...}");
            return root;
        } catch (JsonProcessingException e) {
            throw ShearFormatException.of(file, "not valid JSON (" + e.getOriginalMessage() + ")", "a JSON object", e);
        }
    }

    static byte[] pretty(Object node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
