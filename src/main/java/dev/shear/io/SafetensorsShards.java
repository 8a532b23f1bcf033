package dev.shear.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shear.engine.HostTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors weights of one model folder: {@code model.safetensors}, or the shards named by
 * {@code model.safetensors.index.json}, each confined to the folder by {@link FolderFiles}' rule.
 */
public final class SafetensorsShards implements AutoCloseable {
    private final Path source;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;

    private SafetensorsShards(Path source, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.source = source;
        this.files = List.copyOf(files);
        this.byTensor = Collections.unmodifiableMap(byTensor);
    }

    /** Opens the index if present, else the single file. */
    public static SafetensorsShards open(Path folder) {
        Path index = folder.resolve(Safetensors.INDEX_FILE);
        if (Files.exists(index)) return openIndex(folder, FolderFiles.resolve(folder, Safetensors.INDEX_FILE));
        Path single = folder.resolve(Safetensors.SINGLE_FILE);
        if (!Files.exists(single))
            throw ShearFormatException.of(folder, "no weights found", Safetensors.SINGLE_FILE + " or " + Safetensors.INDEX_FILE);
        SafetensorsFile f = Safetensors.open(FolderFiles.resolve(folder, Safetensors.SINGLE_FILE));
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        for (String name : f.tensors().keySet()) by.put(name, f);
        return new SafetensorsShards(single, List.of(f), by);
    }

    /** The index or single file, for messages. */
    public Path source() { return source; }

    /** Tensor names in shard and header order. */
    public Set<String> names() { return byTensor.keySet(); }

    public SafetensorsFile.TensorInfo info(String name) {
        SafetensorsFile f = byTensor.get(name);
        return f == null ? null : f.tensors().get(name);
    }

    /** The file holding a tensor, for messages. */
    public Path fileOf(String name) { return byTensor.get(name).path(); }

    public HostTensor read(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) throw new IllegalArgumentException(source + ": no tensor " + name);
        return f.read(name);
    }

    /** Values [offset, offset + dst.remaining()) of a tensor as fp32; see {@link SafetensorsFile#read(String, long, java.nio.FloatBuffer)}. */
    public void read(String name, long offset, java.nio.FloatBuffer dst) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) throw new IllegalArgumentException(source + ": no tensor " + name);
        f.read(name, offset, dst);
    }

    public List<Path> files() { return files.stream().map(SafetensorsFile::path).toList(); }

    @Override public void close() { files.forEach(SafetensorsFile::close); }

    // ---- index ----------------------------------------------------------------------------------

    private static SafetensorsShards openIndex(Path folder, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            for (String shard : weightMap.values()) {
                if (!shards.containsKey(shard)) shards.put(shard, Safetensors.open(FolderFiles.resolveNamed(folder, shard, index)));
            }
            Map<String, SafetensorsFile> by = new LinkedHashMap<>();
            for (Map.Entry<String, SafetensorsFile> s : shards.entrySet()) collect(index, s.getKey(), s.getValue(), weightMap, by);
            for (String name : weightMap.keySet()) {
                if (!by.containsKey(name))
                    throw ShearFormatException.of(index, name + " is not in " + weightMap.get(name), "every indexed tensor in its shard");
            }
            return new SafetensorsShards(index, new ArrayList<>(shards.values()), by);
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static void collect(Path index, String shardName, SafetensorsFile shard, Map<String, String> weightMap,
                                Map<String, SafetensorsFile> by) {
        for (String name : shard.tensors().keySet()) {
            if (!shardName.equals(weightMap.get(name)))
                throw ShearFormatException.of(index, shardName + " holds " + name + ", which the index maps to " + weightMap.get(name),
                        "the weight_map to list every tensor of every shard");
            by.put(name, shard);
        }
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root = JsonFiles.read(index);
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw ShearFormatException.of(index, "no weight_map object", "{\"weight_map\": {tensor: file}}");
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) throw ShearFormatException.of(index, "weight_map." + e.getKey() + " is " + e.getValue(), "a file name");
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }
}
