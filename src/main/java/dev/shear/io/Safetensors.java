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
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((n, t) -> shapes.put(n, t.shape()));
        return writeFolder(folder, shapes, dev.shear.engine.TensorSource.of(tensors), dtypeOf, maxShardBytes);
    }

    /**
     * As {@link #writeFolder(Path, Map, Function, long)}, reading each tensor from a source a chunk at
     * a time: a model held by the engine (or generated) is written without a host copy.
     */
    public static List<Path> writeFolder(Path folder, Map<String, long[]> shapes, dev.shear.engine.TensorSource source,
                                         Function<String, SafetensorsDType> dtypeOf, long maxShardBytes) {
        if (maxShardBytes < 1) throw new IllegalArgumentException("maxShardBytes " + maxShardBytes + " must be positive");
        List<Map<String, long[]>> shards = new ArrayList<>();
        Map<String, long[]> current = new LinkedHashMap<>();
        long size = 0, total = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long bytes = HostTensor.numel(e.getValue()) * dtypeOf.apply(e.getKey()).bytes();
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                size = 0;
            }
            current.put(e.getKey(), e.getValue());
            size += bytes;
            total += bytes;
        }
        shards.add(current);
        if (shards.size() == 1) {
            SafetensorsWriter.write(folder.resolve(SINGLE_FILE), shapes, source, dtypeOf);
            return List.of(folder.resolve(SINGLE_FILE));
        }
        List<Path> written = new ArrayList<>();
        ObjectNode index = JsonFiles.MAPPER.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode weightMap = index.putObject("weight_map");
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            SafetensorsWriter.write(folder.resolve(name), shards.get(i), source, dtypeOf);
            for (String tensor : shards.get(i).keySet()) weightMap.put(tensor, name);
            written.add(folder.resolve(name));
        }
        AtomicFiles.writeBytes(folder.resolve(INDEX_FILE), JsonFiles.pretty(index));
        written.add(folder.resolve(INDEX_FILE));
        return written;
    }

}
