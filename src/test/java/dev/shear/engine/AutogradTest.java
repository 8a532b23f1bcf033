package dev.shear.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The engine pieces activation checkpointing and half-precision bases are built on. */
class AutogradTest {
    /** backward(out, g) gives the gradient of sum(out * g). */
    @Test void vectorJacobianProductMatchesScalarBackward() {
        try (TensorStore store = new TensorStore(DType.F64); StepScope s = Engine.openScope(store)) {
            Tensor w = store.create("w", HostTensor.of(new float[] {0.5f, -1f, 2f, 0.25f}, 2, 2));
            w.requireGrad(true);
            Tensor x = s.floats(new float[] {1, 2, 3, 4, 5, 6}, DType.F64, 3, 2);
            Tensor g = s.floats(new float[] {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f}, DType.F64, 3, 2);
            double[] viaVjp, viaLoss;
            try (GradientTape tape = GradientTape.record()) {
                tape.backward(x.matmul(w).tanh(), g);
                viaVjp = w.grad().toDoubles();
            }
            w.zeroGrad();
            try (GradientTape tape = GradientTape.record()) {
                tape.backward(x.matmul(w).tanh().mul(g).sum());
                viaLoss = w.grad().toDoubles();
            }
            assertArrayEquals(viaLoss, viaVjp, 1e-15);
        }
        assertNull(GradientTape.active());
    }

    /** fp16 widened by promotion keeps the graph: gradients reach an fp32 factor, and are fp32. */
    @Test void upcastIsDifferentiableAndLinearPromotesHalfWeights() {
        try (TensorStore half = new TensorStore(DType.F16); TensorStore full = new TensorStore(DType.F32);
             StepScope s = Engine.openScope(half, full)) {
            Tensor w16 = half.create("w", HostTensor.of(new float[] {0.5f, -1f, 2f, 0.25f, 1f, 3f}, 3, 2));
            Tensor a = full.create("a", HostTensor.of(new float[] {1f, 2f}, 1, 2));
            a.requireGrad(true);
            Tensor x = s.floats(new float[] {1, -1, 2, 0.5f}, DType.F32, 2, 2);
            try (GradientTape tape = GradientTape.record()) {
                Tensor y = x.mul(a).linear(w16, null);                                   // (2, 3) fp32
                assertEquals(DType.F32, y.dtype());
                assertEquals(DType.F32, w16.upcast(DType.F32).dtype());
                tape.backward(y.sum());
            }
            // d/da sum((x*a) W^T) = sum over rows of x times column sums of W
            assertArrayEquals(new float[] {3 * 3.5f, -0.5f * 2.25f}, a.grad().toFloats(), 1e-6f);
        }
    }

    /** Work done while paused is not differentiated: only the unpaused term reaches the gradient. */
    @Test void pauseStopsRecordingInsideATape() {
        try (TensorStore store = new TensorStore(DType.F32); StepScope s = Engine.openScope(store)) {
            Tensor w = store.create("w", HostTensor.of(new float[] {1, 2}, 2));
            w.requireGrad(true);
            try (GradientTape tape = GradientTape.record()) {
                Tensor paused;
                try (GradientTape.Paused p = GradientTape.pause()) { paused = w.mul(2.0); }
                tape.backward(paused.add(w.mul(3.0)).sum());
            }
            assertArrayEquals(new float[] {3, 3}, w.grad().toFloats());
        }
    }
}
