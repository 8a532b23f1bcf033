package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AllocationTest {
    @Test void autoIsKdaOnlyForTheDefaultLorashearWithKda() {
        assertEquals(Allocation.KDA, Allocation.parse("auto", Method.parse("lorashear"), true));
        assertEquals(Allocation.UNIFORM, Allocation.parse("auto", Method.parse("lorashear"), false));
        for (Method m : Method.values())
            if (m != Method.LORASHEAR_DEFAULT) assertEquals(Allocation.UNIFORM, Allocation.parse("auto", m, true), m.cliName());
        assertEquals(Allocation.KDA, Allocation.parse("kda", Method.FLAP, true));
        assertEquals(Allocation.UNIFORM, Allocation.parse("uniform", Method.parse("lorashear"), true));
        assertThrows(IllegalArgumentException.class, () -> Allocation.parse("auto"));
    }
}
