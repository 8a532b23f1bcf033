package dev.shear.graph;

import java.util.List;
import java.util.Map;

/**
 * One traced engine op: a node of the op graph. Its inputs and output are tensor ids (see
 * {@link TensorInfo}); parameters are inputs whose tensor carries a name.
 *
 * @param index  position in trace order (a topological order)
 * @param kind   op kind as the engine records it, e.g. "linear", "rope", "attention"
 * @param inputs operand tensor ids in call order
 * @param output result tensor id
 * @param attrs  op attributes (axis, heads, head_dim, ...)
 */
public record OpNode(int index, String kind, List<Long> inputs, long output, Map<String, Object> attrs) {
    public OpNode {
        inputs = List.copyOf(inputs);
        attrs = Map.copyOf(attrs);
    }

    public long input(int k) { return inputs.get(k); }

    public int intAttr(String key) {
        Object v = attrs.get(key);
        if (!(v instanceof Number n)) throw new IllegalStateException(kind + " op #" + index + " has no integer attribute " + key);
        return n.intValue();
    }

    public boolean boolAttr(String key) { return Boolean.TRUE.equals(attrs.get(key)); }
}
