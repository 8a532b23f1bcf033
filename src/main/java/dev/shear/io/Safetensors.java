package dev.shear.io;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shear.engine.HostTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Entry points for the safetensors format: lazy readers ({@link SafetensorsFile},
 * {@link SafetensorsShards}) and atomic writers, single-file or sharded with an index.
 */
public final class Safetensors {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private Safetensors() {}

    public static SafetensorsFile open(Path file) { return SafetensorsFile.open(file); }

    /** A model folder's weights: the index and its shards, or {@code model.safetensors}. */
    public static SafetensorsShards openFolder(Path folder) { return SafetensorsShards.open(folder); }

    public static void write(Path file, Map<String, HostTensor> tensors, SafetensorsDType dtype) {
        write(file, tensors, name -> dtype);
    }

    /** One file, each tensor stored in the dtype {@code dtypeOf} picks for its name. */
    public static void write(Path file, Map<String, HostTensor> tensors, Function<String, SafetensorsDType> dtypeOf) {
        SafetensorsWriter.write(file, tensors, dtypeOf);
    }

    /**
     * Writes {@code model.safetensors} if all tensors fit {@code maxShardBytes}, else
     * {@code model-0000i-of-0000n.safetensors} shards plus the index. A tensor larger than the
     * limit gets a shard of its own. Returns the files written. Expects a fresh folder: shards of
     * an earlier write are not removed.
     */
    public static List<Path> writeFolder(Path folder, Map<String, HostTensor> tensors,
                                         Function<String, SafetensorsDType> dtypeOf, long maxShardBytes) {
        if (maxShardBytes < 1) throw new IllegalArgumentException("maxShardBytes " + maxShardBytes + " must be positive");
        List<Map<String, HostTensor>> shards = split(tensors, dtypeOf, maxShardBytes);
        if (shards.size() == 1) {
            write(folder.resolve(SINGLE_FILE), tensors, dtypeOf);
            return List.of(folder.resolve(SINGLE_FILE));
        }
        List<Path> written = new ArrayList<>();
        ObjectNode index = JsonFiles.MAPPER.createObjectNode();
        index.putObject("metadata").put("total_size", totalBytes(tensors, dtypeOf));
        ObjectNode weightMap = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            write(folder.resolve(name), shards.get(i), dtypeOf);
            for (String tensor : shards.get(i).keySet()) weightMap.put(tensor, name);
            written.add(folder.resolve(name));
        }
        AtomicFiles.writeBytes(folder.resolve(INDEX_FILE), JsonFiles.pretty(index));
        written.add(folder.resolve(INDEX_FILE));
        return written;
    }

    private static List<Map<String, HostTensor>> split(Map<String, HostTensor> tensors, Function<String, SafetensorsDType> dtypeOf,
                                                       long maxShardBytes) {
        List<Map<String, HostTensor>> shards = new ArrayList<>();
        Map<String, HostTensor> current = new LinkedHashMap<>();
        long size = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            long bytes = SafetensorsWriter.dataBytes(e.getValue(), dtypeOf.apply(e.getKey()));
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                size = 0;
            }
            current.put(e.getKey(), e.getValue());
            size += bytes;
        }
        shards.add(current);
        return shards;
    }

    private static long totalBytes(Map<String, HostTensor> tensors, Function<String, SafetensorsDType> dtypeOf) {
        long total = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) total += SafetensorsWriter.dataBytes(e.getValue(), dtypeOf.apply(e.getKey()));
        return total;
    }
}
