package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AllocationTest {
    @Test void autoIsKdaOnlyForTheDefaultLorashearWithKda() {
        assertEquals(Allocation.KDA, Allocation.AUTO.resolve(Method.parse("lorashear").strategy(), true));
        assertEquals(Allocation.UNIFORM, Allocation.AUTO.resolve(Method.parse("lorashear").strategy(), false));
        for (Method m : Method.values())
            if (m != Method.LORASHEAR_DEFAULT) assertEquals(Allocation.UNIFORM, Allocation.AUTO.resolve(m.strategy(), true), m.cliName());
        assertEquals(Allocation.KDA, Allocation.KDA.resolve(Method.FLAP.strategy(), true));
        assertEquals(Allocation.UNIFORM, Allocation.UNIFORM.resolve(Method.parse("lorashear").strategy(), true));
    }
}
