package dev.shear.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeviceTest {
    @Test void parsesCpuCudaAndIndexedCuda() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(3), Device.parse("CUDA:3"));
        assertEquals("cuda:3", Device.cuda(3).toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse("tpu"));
        assertEquals("device 'tpu' is not cpu, cuda or cuda:N", e.getMessage());
    }

    /** This machine has the CPU build of libtorch: asking for a GPU fails with one line, and the device stays cpu. */
    @Test void cudaWithoutGpuFailsWithOneLineAndKeepsCpu() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Engine.useDevice(Device.cuda(0)));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("device cuda:0 is not available: "), e.getMessage());
        assertEquals(Device.CPU, Engine.device());
    }

    @Test void scopesAndStoresCreateOnTheCurrentDevice() {
        Engine.useDevice(Device.CPU);
        try (TensorStore store = new TensorStore(DType.F32); StepScope s = Engine.openScope(store)) {
            assertEquals(Device.CPU, store.device());
            assertEquals(Device.CPU, s.device());
            assertEquals(Device.CPU, s.tokens(new int[][] {{1, 2}}).device());
            assertEquals(Device.CPU, store.zeros("z", 2).device());
        }
    }
}
