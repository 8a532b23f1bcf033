package dev.shear.graph;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shear.engine.DType;
import dev.shear.io.Llama2cCheckpoint;
import dev.shear.io.LoadedModel;
import dev.shear.lora.LoraConfig;
import dev.shear.model.CausalLm;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The real stories260K weights (llama2.c): same table, exact zero-invariance. Test-only use of io to read the file. */
class Stories260kCheckpointTest {
    private static final Path FILE = Path.of("/work/shared/data/stories260K/stories260K.bin");

    private static LoadedModel load() {
        assumeTrue(Files.isRegularFile(FILE), "no stories260K checkpoint at " + FILE);
        return Llama2cCheckpoint.read(FILE);
    }

    @Test void groupsMatchTheTable() {
        LoadedModel lm = load();
        LoraConfig lora = LoraConfig.paperDefaults(1);
        try (CausalLm m = CausalLm.fromWeights(lm.config(), lm.weights(), DType.F32)) {
            dev.shear.lora.LoraAdapters ad = dev.shear.lora.LoraAdapters.insert(m, lora);
            DependencyGraph g = DependencyGraph.trace(m);
            ExpectedGroups.assertGraphHas(ExpectedGroups.llama(lm.config(), lora), g);
            org.junit.jupiter.api.Assertions.assertEquals(m.numParams(), g.totalParams());
            ad.discard();
        }
    }

    @Test void zeroInvariantWithRandomLoraB() {
        LoadedModel lm = load();
        try (CausalLm m = CausalLm.fromWeights(lm.config(), lm.weights(), DType.F64)) {
            ZeroInvarianceTest.check(m, LoraConfig.paperDefaults(2), false);
        }
        try (CausalLm m = CausalLm.fromWeights(lm.config(), lm.weights(), DType.F64)) {
            ZeroInvarianceTest.check(m, LoraConfig.paperDefaults(3), true);
        }
    }
}
