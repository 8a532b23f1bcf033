package dev.shear.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AllocationTest {
    @Test void autoIsEachMethodsOwnRule() {
        assertEquals(Allocation.KDA, Allocation.AUTO.resolve(Method.parse("lorashear").strategy(), true));
        assertEquals(Allocation.UNIFORM, Allocation.AUTO.resolve(Method.parse("lorashear").strategy(), false));
        for (Method m : Method.values())
            assertEquals(switch (m) {
                case LORASHEAR_OBS, LORASHEAR_ACTIVATION -> Allocation.KDA;   // the KDA-allocating LHSPG variants
                case FLAP -> Allocation.JOINT;                                 // FLAP's own structure search
                default -> Allocation.UNIFORM;
            }, Allocation.AUTO.resolve(m.strategy(), true), m.cliName());
        assertEquals(Allocation.KDA, Allocation.KDA.resolve(Method.FLAP.strategy(), true));
        assertEquals(Allocation.UNIFORM, Allocation.UNIFORM.resolve(Method.parse("lorashear").strategy(), true));
    }
}
