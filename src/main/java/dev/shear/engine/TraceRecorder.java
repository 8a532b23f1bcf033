package dev.shear.engine;

import java.util.List;
import java.util.Map;

/**
 * Receives one call per engine op while tracing is on. The graph package implements it;
 * the engine never interprets what it records.
 */
public interface TraceRecorder {
    /**
     * @param op     op kind, e.g. "linear", "rope", "reshape_heads"
     * @param inputs operand tensors, in call order (parameters carry their names)
     * @param output the result
     * @param attrs  op attributes such as axis, head count or head size
     */
    void record(String op, List<Tensor> inputs, Tensor output, Map<String, Object> attrs);
}
