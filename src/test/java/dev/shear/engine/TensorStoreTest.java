package dev.shear.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorStoreTest {
    /** 5M values cross the 4M-value staging chunk: the streamed tensor equals the one made from the whole array. */
    @Test void streamedLoadEqualsWholeCreateAcrossChunks() {
        Random r = new Random(3);
        float[] data = new float[5_000_011];
        for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
        HostTensor h = HostTensor.of(data, 5_000_011);
        TensorSource src = TensorSource.of(Map.of("w", h));
        for (DType dt : new DType[] {DType.F32, DType.F16}) {
            try (TensorStore store = new TensorStore(dt); StepScope s = Engine.openScope(store)) {
                Tensor streamed = store.load("w", src), whole = store.create("w2", h);
                assertEquals(dt, streamed.dtype());
                assertArrayEquals(whole.toFloats(), streamed.toFloats(), dt.toString());
            }
        }
    }

    @Test void loadKeepsShapeAndCanHoldAnotherDtype() {
        HostTensor h = HostTensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        try (TensorStore store = new TensorStore(DType.F16); StepScope s = Engine.openScope(store)) {
            Tensor t = store.load("w", TensorSource.of(Map.of("w", h)), DType.F32);
            assertArrayEquals(new long[] {2, 3}, t.shape());
            assertEquals(DType.F32, t.dtype());
            assertEquals(DType.F16, store.create("x", h).dtype());
            assertEquals(6 * 4 + 6 * 2, store.bytes());
        }
    }
}
