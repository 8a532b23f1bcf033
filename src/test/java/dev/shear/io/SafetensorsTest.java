package dev.shear.io;

import static org.junit.jupiter.api.Assertions.*;

import dev.shear.engine.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir Path tmp;

    static Map<String, HostTensor> sample() {
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put("a.weight", HostTensor.of(Fixtures.randomFloats(6, 1), 2, 3));
        m.put("b.bias", HostTensor.of(Fixtures.randomFloats(5, 2), 5));
        m.put("empty", HostTensor.of(new float[0], 0, 4));
        m.put("c", HostTensor.of(Fixtures.randomFloats(24, 3), 2, 3, 4));
        return m;
    }

    /** A file from a header string and raw data bytes. */
    static byte[] raw(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }

    @Test void f32RoundTripIsExact() {
        Path f = tmp.resolve("m.safetensors");
        Safetensors.write(f, sample(), SafetensorsDType.F32);
        try (SafetensorsFile s = Safetensors.open(f)) {
            assertEquals(List.copyOf(sample().keySet()), List.copyOf(s.tensors().keySet()));
            assertEquals(Map.of("format", "pt"), s.metadata());
            for (Map.Entry<String, HostTensor> e : sample().entrySet()) {
                HostTensor t = s.read(e.getKey());
                assertArrayEquals(e.getValue().shape(), t.shape());
                assertArrayEquals(e.getValue().data(), t.data());
            }
        }
    }

    @Test void halfPrecisionRoundsLikeTheDtype() {
        for (SafetensorsDType dt : SafetensorsDType.values()) {
            Path f = tmp.resolve(dt + ".safetensors");
            Safetensors.write(f, sample(), dt);
            try (SafetensorsFile s = Safetensors.open(f)) {
                assertEquals(dt.name(), s.tensors().get("c").dtype());
                float[] want = sample().get("c").data(), got = s.read("c").data();
                for (int i = 0; i < want.length; i++) assertEquals(HalfFloats.roundTo(dt, want[i]), got[i], dt + " " + i);
            }
        }
    }

    @Test void headerIsPaddedWithSpacesTo8Bytes() throws Exception {
        Path f = tmp.resolve("m.safetensors");
        Safetensors.write(f, sample(), SafetensorsDType.F16);
        byte[] b = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
        assertTrue(header.endsWith("}") || header.endsWith(" "), header);
        assertEquals(header.strip().length(), header.stripTrailing().length());
    }

    @Test void readsHandWrittenHalfAndBf16() throws Exception {
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0x3C00).putShort((short) 0x7BFF).putShort((short) 0x3F80).putShort((short) 0xC000).array();
        Path f = tmp.resolve("h.safetensors");
        Files.write(f, raw("{\"x\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"y\":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[4,8]}}", data));
        try (SafetensorsFile s = Safetensors.open(f)) {
            assertArrayEquals(new float[] {1f, 65504f}, s.read("x").data());
            assertArrayEquals(new float[] {1f, -2f}, s.read("y").data());
            assertArrayEquals(new long[] {2, 1}, s.read("y").shape());
        }
    }

    @Test void rejectsBadOffsetsAndHeaders() throws Exception {
        String t = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":";
        assertRejected("data_offsets [0, 4]", raw("{\"a\":" + t + "[0,4]}}", new byte[8]));                     // wrong byte count
        assertRejected("starts at byte 4", raw("{\"a\":" + t + "[0,8]},\"b\":" + t + "[4,12]}}", new byte[12])); // overlap
        assertRejected("starts at byte 12", raw("{\"a\":" + t + "[0,8]},\"b\":" + t + "[12,20]}}", new byte[20]));// gap
        assertRejected("tensors cover 8 of 12", raw("{\"a\":" + t + "[0,8]}}", new byte[12]));                   // trailing bytes
        assertRejected("inside the 4-byte data area", raw("{\"a\":" + t + "[0,8]}}", new byte[4]));              // out of range
        assertRejected("dtype \"Q4\"", raw("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]));
        assertRejected("shape is [-2]", raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]));
        assertRejected("overflows", raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", new byte[8]));
        assertRejected("not valid JSON", raw("{\"a\":" + t + "[0,8]},\"a\":" + t + "[0,8]}}", new byte[8]));      // duplicate key
        assertRejected("not valid JSON", raw("{\"a\":" + t + "[0,8]}} x", new byte[8]));
        assertRejected("JSON is not an object", raw("[1, 2]", new byte[0]));
        assertRejected("header length", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertRejected("header length", ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        assertRejected("file is 3 bytes", new byte[3]);
    }

    @Test void refusesToConvertIntegerTensors() throws Exception {
        Path f = tmp.resolve("i.safetensors");
        Files.write(f, raw("{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]));
        try (SafetensorsFile s = Safetensors.open(f)) {
            ShearFormatException e = assertThrows(ShearFormatException.class, () -> s.read("ids"));
            assertTrue(e.getMessage().contains("ids has dtype I64, expected F32, F16, BF16 or F64"), e.getMessage());
        }
    }

    private void assertRejected(String fragment, byte[] bytes) throws Exception {
        Path f = tmp.resolve("bad.safetensors");
        Files.write(f, bytes);
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> Safetensors.open(f).close());
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }

    // ---- sharded folders ----------------------------------------------------------------------------

    @Test void shardedMixedF16AndBf16RoundTrip() throws Exception {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) tensors.put("layer." + i + ".weight", HostTensor.of(Fixtures.randomFloats(300, i), 20, 15));
        java.util.function.Function<String, SafetensorsDType> dtype = n -> n.hashCode() % 2 == 0 ? SafetensorsDType.F16 : SafetensorsDType.BF16;
        List<Path> files = Safetensors.writeFolder(tmp, tensors, dtype, 1300);
        assertEquals(4, files.size(), files.toString());                       // 3 shards of 2 x 600 bytes, plus the index
        assertTrue(Files.isRegularFile(tmp.resolve("model-00003-of-00003.safetensors")));
        assertTrue(Files.readString(tmp.resolve(Safetensors.INDEX_FILE)).contains("\"total_size\" : 3600"));
        try (SafetensorsShards shards = Safetensors.openFolder(tmp)) {
            assertEquals(tensors.keySet(), shards.names());
            assertEquals(3, shards.files().size());
            for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
                SafetensorsDType dt = dtype.apply(e.getKey());
                assertEquals(dt.name(), shards.info(e.getKey()).dtype());
                float[] got = shards.read(e.getKey()).data(), want = e.getValue().data();
                for (int i = 0; i < want.length; i++) assertEquals(HalfFloats.roundTo(dt, want[i]), got[i]);
                assertNotEquals(want[1], got[1], "rounded, not exact");
            }
        }
    }

    @Test void smallModelsGetOneFile() {
        List<Path> files = Safetensors.writeFolder(tmp, sample(), n -> SafetensorsDType.F32, 1 << 20);
        assertEquals(List.of(tmp.resolve(Safetensors.SINGLE_FILE)), files);
        try (SafetensorsShards s = Safetensors.openFolder(tmp)) {
            assertEquals(sample().keySet(), s.names());
        }
    }

    @Test void refusesShardNamesOutsideTheFolder() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        Path outside = tmp.resolve("x.safetensors");
        Safetensors.write(outside, sample(), SafetensorsDType.F32);
        assertEscapeRefused(model, "../x.safetensors", "contains ..");
        assertEscapeRefused(model, "sub/../../x.safetensors", "contains ..");
        assertEscapeRefused(model, outside.toString(), "absolute");
        Files.createSymbolicLink(model.resolve("link.safetensors"), outside);
        assertEscapeRefused(model, "link.safetensors", "outside the model folder");
        Files.createSymbolicLink(model.resolve("dir"), tmp);
        assertEscapeRefused(model, "dir/x.safetensors", "outside the model folder");
    }

    @Test void symlinksInsideTheFolderAreFine() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        Safetensors.write(model.resolve("blob"), sample(), SafetensorsDType.F32);
        Files.createSymbolicLink(model.resolve("part.safetensors"), model.resolve("blob"));
        writeIndex(model, "part.safetensors");
        try (SafetensorsShards s = Safetensors.openFolder(model)) {
            assertEquals(sample().keySet(), s.names());
        }
    }

    /** The single file follows the shards' rule: a symlink out of the folder is refused, into a hub snapshot's blobs it is fine. */
    @Test void oneSymlinkRuleForTheSingleFileAndTheShards() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        Path outside = tmp.resolve("x.safetensors");
        Safetensors.write(outside, sample(), SafetensorsDType.F32);
        Files.createSymbolicLink(model.resolve(Safetensors.SINGLE_FILE), outside);
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> Safetensors.openFolder(model));
        assertEquals(model.resolve(Safetensors.SINGLE_FILE) + ": resolves to " + outside.toRealPath() + ", outside the model folder, expected a file inside "
                + model, e.getMessage());
        Path repo = tmp.resolve("hub/models--org--m"), snapshot = Files.createDirectories(repo.resolve("snapshots/0123abcd"));
        Path blob = Files.createDirectories(repo.resolve("blobs")).resolve("9f86d081");
        Safetensors.write(blob, sample(), SafetensorsDType.F32);
        Files.createSymbolicLink(snapshot.resolve(Safetensors.SINGLE_FILE), Path.of("../../blobs/9f86d081"));
        try (SafetensorsShards s = Safetensors.openFolder(snapshot)) {
            assertEquals(sample().keySet(), s.names());
        }
        Files.delete(snapshot.resolve(Safetensors.SINGLE_FILE));
        Files.createSymbolicLink(snapshot.resolve("model-00001.safetensors"), Path.of("../../blobs/9f86d081"));
        writeIndex(snapshot, "model-00001.safetensors");
        try (SafetensorsShards s = Safetensors.openFolder(snapshot)) {
            assertEquals(sample().keySet(), s.names());
        }
        Path fifo = snapshot.resolve("model-00002.safetensors");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        writeIndex(snapshot, "model-00002.safetensors");
        e = assertThrows(ShearFormatException.class, () -> Safetensors.openFolder(snapshot));
        assertTrue(e.getMessage().contains("shard model-00002.safetensors is not a regular file"), e.getMessage());
    }

    @Test void indexAndShardsMustAgree() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        Safetensors.write(model.resolve("a.safetensors"), sample(), SafetensorsDType.F32);
        Files.writeString(model.resolve(Safetensors.INDEX_FILE), "{\"weight_map\":{\"a.weight\":\"a.safetensors\"}}");
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> Safetensors.openFolder(model));
        assertTrue(e.getMessage().contains("holds b.bias"), e.getMessage());
        Files.writeString(model.resolve(Safetensors.INDEX_FILE), "{\"weight_map\":{\"zzz\":\"a.safetensors\"}}");
        assertThrows(ShearFormatException.class, () -> Safetensors.openFolder(model));
        Files.writeString(model.resolve(Safetensors.INDEX_FILE), "{\"weight_map\":{\"zzz\":\"missing.safetensors\"}}");
        e = assertThrows(ShearFormatException.class, () -> Safetensors.openFolder(model));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    private void assertEscapeRefused(Path model, String shard, String fragment) throws Exception {
        writeIndex(model, shard);
        ShearFormatException e = assertThrows(ShearFormatException.class, () -> Safetensors.openFolder(model));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().startsWith(model.resolve(Safetensors.INDEX_FILE) + ": "), e.getMessage());
    }

    private static void writeIndex(Path model, String shard) throws Exception {
        StringBuilder sb = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
        String sep = "";
        for (String name : sample().keySet()) {
            sb.append(sep).append('"').append(name).append("\":\"").append(shard.replace("\\", "\\\\")).append('"');
            sep = ",";
        }
        Files.writeString(model.resolve(Safetensors.INDEX_FILE), sb.append("}}").toString());
    }
}
