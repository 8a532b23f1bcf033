package dev.shear.distributed;

import dev.shear.model.CausalLm;
import dev.shear.prune.KnowledgeDistribution;
import dev.shear.recover.Validation;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * KDA's probe as data: validation perplexity over fixed token sequences, so executors measure
 * exactly what the driver would.
 *
 * @param maxLen each sequence cut to this many tokens
 * @param batch  sequences per forward pass
 */
public record ValidationProbe(List<int[]> sequences, int maxLen, int batch) implements KnowledgeDistribution.Probe, Serializable {
    public ValidationProbe { sequences = new ArrayList<>(sequences); }

    @Override public double perplexity(CausalLm model) { return Validation.ppl(model, sequences, maxLen, batch); }

    /** The residual streams entering {@code layer} computed once for the body's probes ({@link Validation.Prefix}). */
    @Override public <T> T fromLayer(CausalLm model, int layer, java.util.function.Function<KnowledgeDistribution.Probe, T> body) {
        try (Validation.Prefix prefix = new Validation.Prefix(model, sequences, maxLen, batch, layer)) {
            return body.apply(prefix::ppl);
        }
    }
}
