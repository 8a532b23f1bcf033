package dev.shear.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.prune.Allocation;
import dev.shear.prune.KdaSettings;
import dev.shear.prune.LhspgSchedule;
import dev.shear.prune.Method;
import dev.shear.prune.PruneSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The converged protocol's settings: the same training for every method, each method's own allocation, KDA only where it allocates. */
class ConvergedBenchTest {
    static final ConvergedBench.Protocol P = ConvergedBench.Protocol.converged(List.of(Method.WANDA_SP), List.of(0.5), List.of(0L));

    @Test void peersRunAsTheirAuthorsDoAndTheDefaultReadsKda() {
        for (Method m : Method.values()) {
            PruneSettings s = ConvergedBench.settings(P, m, 0.5, 3);
            assertEquals(Allocation.AUTO, s.allocation(), m.cliName());
            boolean allocatesByKda = m == Method.LORASHEAR_OBS || m == Method.LORASHEAR_ACTIVATION;
            assertEquals(allocatesByKda ? P.kda() : KdaSettings.NONE, s.kda(), m.cliName());
            assertEquals(0.0, s.kda().gammaU(), "nothing is protected: " + m.cliName());
            assertEquals(P.training(3), s.training(), "one training setting for all: " + m.cliName());
            assertEquals(3, s.seed());
        }
        assertEquals(Allocation.JOINT, ConvergedBench.settings(P, Method.FLAP, 0.5, 0).allocation().resolve(Method.FLAP.strategy(), false));
    }

    @Test void protocolIsTheMeasuredOne() {
        assertEquals(1100, P.steps());
        assertEquals(16, P.batch());
        assertEquals(128, P.seq());
        assertEquals(List.of("q", "k", "v", "o", "gate", "up", "down"), P.lora().targets());
        assertEquals(0.0, P.lora().dropout());
        assertEquals(0.5, P.distill().alpha());
        assertEquals(4, P.rounds());
        assertEquals(70, P.lhspg().trainSteps());
        // one schedule for pruning and recovery: 20 warm-up steps, cosine to 0.1x at step 1100
        assertEquals(1e-3, P.schedule().at(19), 1e-15);
        assertEquals(1e-4, P.schedule().at(1100), 1e-12);
        assertEquals(P.schedule().at(500), P.schedule().after(70).at(430), 0.0);
    }

    @Test void aBudgetThatLeavesNoRecoveryIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> P.withSteps(70));
        assertTrue(e.getMessage().contains("leave no recovery"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> P.withLhspg(LhspgSchedule.of(1000, 20, 10)));
    }
}
