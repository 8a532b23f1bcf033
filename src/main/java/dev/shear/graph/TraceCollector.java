package dev.shear.graph;

import dev.shear.engine.Tensor;
import dev.shear.engine.TraceRecorder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Records each engine op as an {@link OpNode}, and each tensor's shape and name when first seen. */
final class TraceCollector implements TraceRecorder {
    final List<OpNode> ops = new ArrayList<>();
    final Map<Long, TensorInfo> tensors = new LinkedHashMap<>();
    final Map<String, Tensor> params = new LinkedHashMap<>();

    @Override public void record(String op, List<Tensor> inputs, Tensor output, Map<String, Object> attrs) {
        List<Long> ids = new ArrayList<>(inputs.size());
        for (Tensor t : inputs) {
            ids.add(t.id());
            if (!tensors.containsKey(t.id())) {
                tensors.put(t.id(), new TensorInfo(t.id(), t.shape(), t.name(), -1));
                if (t.name() != null) params.putIfAbsent(t.name(), t);
            }
        }
        tensors.put(output.id(), new TensorInfo(output.id(), output.shape(), output.name(), ops.size()));
        ops.add(new OpNode(ops.size(), op, ids, output.id(), attrs));
    }
}
