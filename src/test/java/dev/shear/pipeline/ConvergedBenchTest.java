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

    /** A row names its LHSPG schedule and recovery rounds: a run with other ones does not take it for its own and skip the cell. */
    @Test void aRowIsDoneOnlyForItsScheduleAndRounds(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path rows = tmp.resolve("rows.jsonl");
        ConvergedBench.Protocol p = ConvergedBench.Protocol.converged(List.of(Method.LORASHEAR_OBS, Method.WANDA_SP), List.of(0.5), List.of(0L));
        String distill = p.distill().toString();
        java.nio.file.Files.writeString(rows, String.join("\n",
                "{\"protocol\": \"converged\", \"method\": \"lorashear-obs\", \"ratio\": 0.5, \"seed\": 0, \"steps\": 1100, \"distill\": \"" + distill
                        + "\", \"lhspg\": [30, 4, 10], \"recovery_rounds\": 4, \"tinystories_heldout\": 9.9}",
                "{\"protocol\": \"converged\", \"method\": \"wanda-sp\", \"ratio\": 0.5, \"seed\": 0, \"steps\": 1100, \"distill\": \"" + distill
                        + "\", \"lhspg\": [], \"recovery_rounds\": 4, \"tinystories_heldout\": 10.3}") + "\n");
        QualityBench bench = new QualityBench(rows, 1024, QualityBench.recovery(2, 0, 16, 128, 1e-3, 0, true), line -> {});
        ConvergedBench.Cell obs = new ConvergedBench.Cell(Method.LORASHEAR_OBS, 0.5, 0), wanda = new ConvergedBench.Cell(Method.WANDA_SP, 0.5, 0);
        assertTrue(new ConvergedBench(p.withControl(false), bench).done(obs));
        assertTrue(new ConvergedBench(p.withControl(false), bench).done(wanda));
        ConvergedBench gradual = new ConvergedBench(p.withLhspg(LhspgSchedule.of(30, 8, 40)), bench);
        assertTrue(!gradual.done(obs), "another LHSPG schedule is another row");
        assertTrue(gradual.done(wanda), "a one-shot method has no schedule to differ in");
        ConvergedBench twoRounds = new ConvergedBench(p.withRounds(2), bench);
        assertTrue(!twoRounds.done(obs) && !twoRounds.done(wanda), "other recovery rounds are other rows");
        assertTrue(!new ConvergedBench(p, bench).done(ConvergedBench.Cell.control(0)), "no control row in the file");
    }

    @Test void aBudgetThatLeavesNoRecoveryIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> P.withSteps(70));
        assertTrue(e.getMessage().contains("leave no recovery"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> P.withLhspg(LhspgSchedule.of(1000, 20, 10)));
    }
}
