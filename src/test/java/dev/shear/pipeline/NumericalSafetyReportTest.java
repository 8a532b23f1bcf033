package dev.shear.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shear.report.Document;
import dev.shear.train.TrainingLoop;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pipeline report lists every non-finite skip, rollback and slow step of the training loops, stage by stage. */
class NumericalSafetyReportTest {
    @Test void eventsFromPruneAndRecoveryAreShown() {
        Map<String, List<TrainingLoop.Event>> events = new LinkedHashMap<>();
        events.put("prune", List.of(new TrainingLoop.Event(6, "nonfinite", "loss NaN, step skipped"),
                new TrainingLoop.Event(8, "rollback", "to step 5, lr scale 0.5")));
        events.put("recover round 0", List.of(new TrainingLoop.Event(3, "slow", "step took 4.000 s, 20.0x the median 0.200 s")));
        events.put("recover round 1", List.of(new TrainingLoop.Event(9, "stop", "stopped by hook")));
        Document d = new Document("t");
        PipelineReport.numericalSafety(d, events);
        String md = d.markdown();
        assertTrue(md.contains("| prune | 6 | nonfinite | loss NaN, step skipped |"), md);
        assertTrue(md.contains("| prune | 8 | rollback | to step 5, lr scale 0.5 |"), md);
        assertTrue(md.contains("| recover round 0 | 3 | slow | step took 4.000 s, 20.0x the median 0.200 s |"), md);
        assertTrue(md.contains("Warning: 1 step(s) took more than 10x the median step time"), md);
        assertFalse(md.contains("stopped by hook"), "early stopping is not a numerical event");
    }

    @Test void aCleanRunSaysSo() {
        Document d = new Document("t");
        Map<String, List<TrainingLoop.Event>> events = new LinkedHashMap<>();
        events.put("prune", List.of());
        events.put("recover round 0", null);                       // a report written before events were recorded
        PipelineReport.numericalSafety(d, events);
        assertTrue(d.markdown().contains("No non-finite loss or gradient, no rollback, and no step slower than 10x"), d.markdown());
        assertFalse(d.markdown().contains("| stage |"));
    }
}
